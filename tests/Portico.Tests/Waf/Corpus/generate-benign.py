#!/usr/bin/env python3
"""Writes benign-requests.jsonl: ordinary JSON API traffic for the request filter's false-positive test.

Deterministic (fixed seed): run it again and the file is the same. Each line is one request:
{"method", "path", "query": [[name, value], ...], "headers": {name: value}, "contentType", "body"}
where "body" is a JSON value (sent as JSON) or a string (sent as is, for forms).
"""
import json
import random
import urllib.parse

rng = random.Random(17)

first = ["Anna", "José", "Zoë", "Liam", "Siobhán", "Mohammed", "Chloé", "Jürgen", "Aoife", "Kenji", "Priya", "Łukasz",
         "Olivia", "Noah", "Émilie", "Søren", "Fatima", "Mateo", "Ingrid", "Wei", "D'Arcy", "Renée", "Björn", "Amélie"]
last = ["O'Brien", "D'Angelo", "Smith", "García", "Müller", "O'Neill", "Nguyen", "van der Berg", "Kowalski", "Dubois",
        "MacDonald", "Rossi", "Ó Súilleabháin", "De'Ath", "Jones-Parker", "St. John", "Al-Farsi", "Yamamoto", "L'Estrange"]
streets = ["12 Rue de l'Église", "221B Baker Street", "1600 Amphitheatre Pkwy", "Flat 3, 14 O'Connell St.",
           "Hauptstraße 5", "742 Evergreen Terrace", "Apt. #4B, 55 Union Street", "PO Box 1234", "3/17 King's Road",
           "Calle de Alcalá, 48", "Unit 7 - Select Business Park", "1 Drop Lane", "Old Mill Rd & 5th Ave"]
cities = ["Dublin", "Paris", "São Paulo", "Zürich", "New York", "Kraków", "Reykjavík", "Select", "Union City", "Ōsaka"]
domains = ["example.com", "mail.example.org", "contoso.io", "fabrikam.co.uk", "uni.example.edu"]
words = ("the quick brown fox jumps over lazy dog order delivery package select size color option from list update "
         "table chair drop union station script writer alert sound confirm booking prompt reply and or not null "
         "where having group by limit offset create account delete my photo insert coin exec summary sleep well "
         "cat dog id card ls shoes echo chamber ping pong java python ruby node php developer onload onclick "
         "include require file path system shell command").split()
reviews = [
    "I'd recommend it -- works great, though the box was damaged.",
    "Can't believe how fast this arrived! 5/5 (would buy again).",
    "It's OK; not great, not terrible. Delivery was \"on time\".",
    "Please select a size from the menu before adding to the cart.",
    "Don't drop the table when moving it, it's heavy!",
    "We're meeting at Union Station; bring the tickets & snacks.",
    "Update: order #4521 was shipped on 2024-03-01 -- tracking soon.",
    "My kids (6 & 9) love it :) especially the 'glow' mode",
    "Worth the money? Yes. Would I pay 50% more? No.",
    "Tom & Jerry themed mugs, set of 2 -- one was chipped :(",
    "The script for the school play is due Friday; insert the new scene after act 2.",
    "Set an alert for 7:30 and confirm the booking by e-mail, please.",
    "Java, Python, and Go developer with 5+ years' experience; C# or F# a plus.",
    "Room 1 or 2 = same price; choose whichever's free.",
    "Is this compatible with a 1/2\" drill bit? The manual says 'yes' but I'm unsure.",
    "Ordered the cat tree; the cat ignores it and sleeps in the box instead.",
    "Loved the 'Tell-Tale Heart' reading -- spooky & fun!",
    "I'm 5' 10\" and the bike fits well; seat goes up to 34\".",
    "See https://example.com/help?topic=returns&lang=en for the returns policy.",
    "Email me at jane.o'hara@example.com if anything changes.",
    "Is it 100% cotton? Label says 95% cotton / 5% elastane.",
    "Price went from $20 to $25 (+25%); still cheaper than the store.",
    "x < y and y > z, so x must be less than z? Not necessarily!",
    "Pick-up: 9am-5pm Mon-Fri; Sat by appointment (call ahead).",
    "Great for C++ & Rust projects; the keyboard's \"clicky\" though.",
    "The union of sets A and B was covered in week 3 -- select exercises only.",
    "Delete my old address, please; I moved to 3/17 King's Road.",
    "Where's my refund? It's been 14 days & no reply...",
    "Contains nuts; may contain traces of milk, soy & sesame.",
    "Sleep quality improved after a week; the pillow's firm but comfy.",
    "Bought 2 -- one for me, one for my mum's birthday <3",
    "5 stars!!! ★★★★★ would recommend 👍",
    "The 'echo' effect on the mic is too strong; can I turn it off?",
    "Select the 'express' option at checkout for next-day delivery.",
    "Customer said: \"it's broken\" -- replaced under warranty; case closed.",
    "Table for 4 at 8pm; we'll drop by earlier if that's OK.",
    "Java script tutorial recommendations? I'm new to web dev.",
    "Our R&D team (Dublin & Kraków) will review it on Monday.",
    "Meeting notes:\nAction items: update the docs; ping Sam.\nNext: Friday",
    "Line one\nLine two: details here\nLine three",
]
queries = ["running shoes", "o'reilly books", "select comfort mattress", "union jack flag", "drop earrings", "rock 'n' roll",
           "c# tutorial", "50% off", "tom & jerry", "javascript book", "sleep mask", "table lamp", "\"exact phrase\"",
           "size:10 color:red", "café près de moi", "1/2 inch drill", "where to eat", "order by price", "insert molding",
           "script font", "alert bracelet", "echo dot", "cat food", "node js", "python 3.12", "how to delete account"]
agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
          "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
          "curl/8.5.0", "python-requests/2.31.0", "okhttp/4.12.0", "Go-http-client/1.1", "PostmanRuntime/7.37.3",
          "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A.240405.002)", "axios/1.6.8", "Apache-HttpClient/5.3 (Java/21)"]

def name():
    return f"{rng.choice(first)} {rng.choice(last)}"

def email(n):
    local = n.lower().replace(" ", ".").replace("'", "").encode("ascii", "ignore").decode() or "user"
    return f"{local}{rng.randint(1, 99)}@{rng.choice(domains)}"

def uuid():
    return "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                           0x8000 | rng.getrandbits(14), rng.getrandbits(48))

def date():
    return f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

def timestamp():
    return f"{date()}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"

def sentence():
    return " ".join(rng.choice(words) for _ in range(rng.randint(3, 14))).capitalize() + rng.choice([".", "!", "?", "", "..."])

def text():
    return rng.choice([rng.choice(reviews), sentence(), rng.choice(reviews) + " " + sentence()])

def url():
    return f"https://{rng.choice(domains)}/{rng.choice(['products', 'u', 'img', 'docs'])}/{rng.randint(1, 9999)}" + \
        rng.choice(["", "?ref=newsletter", "?utm_source=mail&utm_medium=email", "#section-2", ".png"])

def headers():
    h = {"User-Agent": rng.choice(agents), "Accept": "application/json"}
    if rng.random() < 0.5:
        h["Referer"] = rng.choice([url(), "https://www.example.com/search?q=" + urllib.parse.quote(rng.choice(queries))])
    if rng.random() < 0.4:
        prefs = urllib.parse.quote(json.dumps({"theme": rng.choice(["dark", "light"]), "lang": rng.choice(["en", "fr-CA", "de"])}))
        h["Cookie"] = f"session={uuid()}; prefs={prefs}; consent=analytics%3Dno%26ads%3Dno"
    return h

def person():
    n = name()
    return {"id": uuid(), "name": n, "email": email(n), "phone": f"+353 {rng.randint(80, 89)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "address": {"street": rng.choice(streets), "city": rng.choice(cities), "postcode": rng.choice(["D02 X285", "75001", "10115", "SW1A 1AA", "94043"])},
            "birthDate": date(), "newsletter": rng.random() < 0.5, "tags": rng.sample(["vip", "new", "b2b", "returning", "wholesale"], 2)}

def order():
    return {"orderId": f"ORD-{rng.randint(10000, 99999)}", "customer": person(), "createdAt": timestamp(),
            "items": [{"sku": f"SKU-{rng.randint(100, 999)}-{rng.choice('ABCXYZ')}", "name": rng.choice(["Table lamp", "Drop earrings", "Union Jack mug", "Script font pack", "Echo speaker", "Cat tree"]),
                       "quantity": rng.randint(1, 5), "price": round(rng.uniform(1, 500), 2)} for _ in range(rng.randint(1, 4))],
            "note": text(), "couponCode": rng.choice([None, "SAVE10", "SPRING-2024", "FREESHIP"]), "giftMessage": rng.choice(["", "Happy birthday, Mum! <3", "Congrats on the new job -- you've earned it!", "Merry Christmas & a happy new year"])}

def review():
    return {"productId": uuid(), "rating": rng.randint(1, 5), "title": rng.choice(["Great!", "Not bad", "Don't buy", "Worth it?", "5/5 -- would buy again", "It's OK"]),
            "body": text(), "author": name(), "verified": rng.random() < 0.8, "photos": [url() for _ in range(rng.randint(0, 2))]}

def ticket():
    return {"subject": rng.choice(["Refund request", "Can't log in", "Order #4521 missing", "Update my address", "Delete my account", "Question about sizes"]),
            "message": "\n".join(text() for _ in range(rng.randint(1, 3))), "contact": email(name()), "priority": rng.choice(["low", "normal", "high"]),
            "metadata": {"browser": rng.choice(agents), "page": url(), "locale": rng.choice(["en-IE", "fr-FR", "de-DE", "ja-JP"])}}

def event():
    return {"type": rng.choice(["page_view", "add_to_cart", "checkout", "search"]), "at": timestamp(), "sessionId": uuid(),
            "properties": {"query": rng.choice(queries), "url": url(), "durationMs": rng.randint(1, 60000), "referrer": rng.choice(["", url()])}}

def request():
    kind = rng.random()
    h = headers()
    if kind < 0.30:
        q = [["q", rng.choice(queries)], ["page", str(rng.randint(1, 20))], ["sort", rng.choice(["price", "-price", "relevance", "date desc"])]]
        if rng.random() < 0.5:
            q.append(["from", date()]); q.append(["to", date()])
        if rng.random() < 0.3:
            q.append(["filter", rng.choice(["brand:o'neill", "price<100", "rating>=4", "size=10|11", "color in (red, blue)"])])
        if rng.random() < 0.2:
            q.append(["returnUrl", url()])
        return {"method": "GET", "path": rng.choice(["/api/products", "/api/search", "/api/stores/nearby"]), "query": q, "headers": h}
    if kind < 0.40:
        return {"method": "GET", "path": f"/api/{rng.choice(['customers', 'orders', 'products'])}/{uuid()}", "query": [], "headers": h}
    if kind < 0.45:
        n = name()
        form = urllib.parse.urlencode({"name": n, "email": email(n), "message": text(), "subscribe": rng.choice(["on", "off"])})
        return {"method": "POST", "path": "/api/contact", "query": [], "headers": h, "contentType": "application/x-www-form-urlencoded", "body": form}
    maker, path = rng.choice([(person, "/api/customers"), (order, "/api/orders"), (review, "/api/reviews"), (ticket, "/api/tickets"), (event, "/api/events")])
    return {"method": rng.choice(["POST", "POST", "PUT", "PATCH"]), "path": path, "query": [], "headers": h, "contentType": "application/json", "body": maker()}

with open("benign-requests.jsonl", "w", encoding="utf-8") as out:
    for _ in range(3000):
        out.write(json.dumps(request(), ensure_ascii=False) + "\n")
