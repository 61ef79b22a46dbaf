using Portico.Functions.TestHost;

// The test host as a program, for the benchmark: `serve` runs it until stopped, `coldstart` times fresh workers.
return await TestHostCommand.RunAsync(args);
