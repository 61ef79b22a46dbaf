using Portico.Cli;

return await PorticoCommand.RunAsync(args, Console.Out, Console.Error);
