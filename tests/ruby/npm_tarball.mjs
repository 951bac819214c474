// npm_tarball.mjs URL INTEGRITY OUT: downloads an npm tarball (the URL and
// integrity `npm view PKG dist.tarball dist.integrity` gave) with node's own
// fetch, checks it against the registry's sha512 integrity and writes it to
// OUT. `npm pack` does the same but took minutes on a loaded CI machine.
// Run it with `node --use-system-ca` (the machine's CA store, as npm's and
// libcurl's: node's own bundle fails behind a TLS-inspecting proxy).
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";

const [url, integrity, out] = process.argv.slice(2);
if (!url || !integrity?.startsWith("sha512-") || !out) {
  console.error("usage: npm_tarball.mjs URL sha512-INTEGRITY OUT");
  process.exit(2);
}
const res = await fetch(url);
if (!res.ok) {
  console.error(`npm_tarball: ${url}: HTTP ${res.status}`);
  process.exit(1);
}
const bytes = Buffer.from(await res.arrayBuffer());
const got = "sha512-" + createHash("sha512").update(bytes).digest("base64");
if (got !== integrity) {
  console.error(`npm_tarball: ${url}: integrity ${got}, the registry says ${integrity}`);
  process.exit(1);
}
writeFileSync(out, bytes);
