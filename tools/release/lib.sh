# Helpers shared by tools/checks/publish-lint.sh and tools/checks/publish.sh. Source it.

# Folder names (packages/<dir>) of every public package, one per line, sorted by name. Packages
# are discovered at run time, so packages added later are covered; private ones are skipped.
public_packages() {
  node -e '
    const fs = require("fs");
    for (const dir of fs.readdirSync("packages").sort()) {
      const file = `packages/${dir}/package.json`;
      if (!fs.existsSync(file)) continue;
      if (!JSON.parse(fs.readFileSync(file, "utf8")).private) console.log(dir);
    }'
}

# Builds every package (nx, cached in the ignored .nx/ folder); prints the log only on failure.
build_all() {
  local log
  log=$(mktemp)
  if ! npx nx run-many -t build --output-style=stream-without-prefixes >"$log" 2>&1; then
    tail -60 "$log" >&2
    echo "build failed: npm run build must pass before packages can be linted or published" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
