// A minimal Fedify inbox for `python -m bench.peers`: `node inbox.mjs PORT`, 127.0.0.1 only.
// Fedify verifies each POST's HTTP signature (fetching the signer's key document over
// loopback), parses the activity and runs the Create listener; it answers 202. GET /ready
// says it is up. Installed by scripts/peers-deps.sh into ./node_modules, never globally.
import http from "node:http";
import { Create, createFederation, MemoryKvStore } from "@fedify/fedify";

const port = Number(process.argv[2]);
let received = 0;
const federation = createFederation({
  kv: new MemoryKvStore(),
  allowPrivateAddress: true, // the load generator serves its key document on 127.0.0.1
});
federation.setActorDispatcher("/users/{identifier}", async () => null);
federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Create, async () => {
    received += 1;
  });

const server = http.createServer(async (req, res) => {
  if (req.method === "GET" && req.url === "/ready") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ received }));
    return;
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
  const request = new Request(new URL(req.url, `http://${req.headers.host}`), {
    method: req.method,
    headers,
    body,
  });
  const response = await federation.fetch(request, { contextData: undefined });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(port, "127.0.0.1");
