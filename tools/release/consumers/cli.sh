#!/usr/bin/env bash
# Runs the published CLI in a fresh consumer project (tools/checks/publish.sh installed
# @trawl/cli there, with kuzu's install script allowed by the project's "allowScripts"):
# `npx trawl --help`, then a small repository indexed and searched on the embedded default
# (PGlite + Kuzu under TRAWL_HOME, no servers), plus ESM import and CJS require of the package.
# Usage: bash tools/release/consumers/cli.sh <consumerDir>
set -uo pipefail
cd "$1" || exit 1
# The test command exports service settings (DATABASE_URL, ZOEKT_*, ...); the embedded default
# must not see any of them.
for var in $(env | grep -oE '^(TRAWL_[A-Z0-9_]*|ZOEKT_[A-Z0-9_]*|QDRANT_[A-Z0-9_]*|DATABASE_URL|PG[A-Z]+)=' | tr -d '='); do unset "$var"; done
export TRAWL_HOME=$PWD/trawl-home
fail() {
  echo "cli consumer: $*" >&2
  exit 1
}

help=$(npx --no-install trawl --help 2>&1) || fail "npx trawl --help failed: $help"
grep -q 'Usage: trawl' <<<"$help" || fail "npx trawl --help printed no usage: $help"

mkdir -p demo/src demo/docs
cat >demo/src/billing.ts <<'TS'
/** Adds up the line items of an invoice, in cents. */
export function computeInvoiceTotal(items: { cents: number; quantity: number }[]): number {
  return items.reduce((sum, item) => sum + item.cents * item.quantity, 0);
}

export class InvoicePrinter {
  print(total: number): string {
    return `total: ${(computeInvoiceTotal([{ cents: total, quantity: 1 }]) / 100).toFixed(2)}`;
  }
}
TS
cat >demo/src/users.ts <<'TS'
export interface User {
  id: string;
  email: string;
}

export function createUser(email: string): User {
  return { id: email.toLowerCase(), email };
}
TS
printf '# Demo\n\nInvoices are totalled by computeInvoiceTotal in src/billing.ts.\n' >demo/docs/README.md

out=$(npx --no-install trawl index demo --repo demo --json 2>&1) || fail "trawl index failed: $out"
out=$(npx --no-install trawl search computeInvoiceTotal --repo demo --json 2>&1) || fail "trawl search failed: $out"
node -e '
  const result = JSON.parse(process.argv[1]);
  const hit = result.hits.find((h) => h.file === "src/billing.ts");
  if (!hit) { console.error("no hit in src/billing.ts: " + process.argv[1].slice(0, 2000)); process.exit(1); }
  console.log(`cli consumer: trawl search found ${hit.name ?? hit.chunkId} in ${hit.file} (${result.hits.length} hits)`);
' "$out" || fail "trawl search did not find the function it indexed"

# The package's library entry (main(argv, io)) from both module systems.
node --input-type=module -e 'import { main } from "@trawl/cli"; if (typeof main !== "function") process.exit(1);' || fail "ESM import of @trawl/cli failed"
node -e 'const { main } = require("@trawl/cli"); if (typeof main !== "function") process.exit(1);' || fail "CJS require of @trawl/cli failed"
echo "cli consumer: npx trawl --help, index, search, ESM import and CJS require work"
