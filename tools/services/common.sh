# Helpers shared by the service scripts. Source it; it defines functions only.

# A free TCP port on loopback.
free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# wait_for_http URL SECONDS: polls until the URL answers 2xx, or fails.
wait_for_http() {
  local url=$1 seconds=${2:-30} i
  for ((i = 0; i < seconds * 10; i++)); do
    if node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $url" >&2
  return 1
}

log() { printf '[trawl-test] %s\n' "$*" >&2; }
