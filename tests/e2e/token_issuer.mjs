// A Docker token issuer for tests (the registry stays Debian's real
// docker-registry, configured with `auth: token`): GET /token?service=S&
// scope=repository:NAME:ACTIONS[&scope=...] with Basic USER:PASS answers
// {"token": JWT}, an RS256 JWT whose header carries the signing
// certificate (x5c), which the registry trusts through its
// rootcertbundle. Every requested action is granted to the right password;
// anything else gets 401.
//
//   node token_issuer.mjs PORT_FILE KEY.pem CERT.pem USER PASS ISSUER LOG_FILE
import { createServer } from "node:http";
import { createSign, X509Certificate, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, renameSync, appendFileSync } from "node:fs";

const [portFile, keyFile, certFile, user, pass, issuer, logFile] = process.argv.slice(2);
const key = readFileSync(keyFile, "utf8");
const der = new X509Certificate(readFileSync(certFile, "utf8")).raw.toString("base64");
const b64url = (b) => Buffer.from(b).toString("base64url");

function jwt(claims) {
  const head = b64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [der] }));
  const body = b64url(JSON.stringify(claims));
  const sig = createSign("RSA-SHA256").update(`${head}.${body}`).sign(key).toString("base64url");
  return `${head}.${body}.${sig}`;
}

createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const auth = req.headers.authorization ?? "";
  const ok = auth === "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
  const scopes = url.searchParams.getAll("scope");
  appendFileSync(logFile, `${ok ? "grant" : "deny"} ${scopes.join(" ")}\n`);
  if (url.pathname !== "/token" || !ok) {
    res.writeHead(401, { "Content-Type": "application/json" }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    return;
  }
  const access = [];
  for (const s of scopes.flatMap((x) => x.split(" "))) {
    const [type, ...rest] = s.split(":");
    const actions = rest.pop();
    access.push({ type, name: rest.join(":"), actions: actions.split(",") });
  }
  const now = Math.floor(Date.now() / 1000);
  const token = jwt({ iss: issuer, sub: user, aud: url.searchParams.get("service"), exp: now + 300, nbf: now - 10,
    iat: now, jti: randomBytes(8).toString("hex"), access });
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token }));
}).listen(0, "127.0.0.1", function () {
  writeFileSync(portFile + ".tmp", String(this.address().port));
  renameSync(portFile + ".tmp", portFile);
});
