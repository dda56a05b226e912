#!/usr/bin/env bash
# The web app's size budget, measured on the committed build
# (api/assets/web, what the binary embeds):
# - the app shell: the JavaScript and CSS that index.html loads before the
#   first page shows (its entry script, its modulepreloads, its
#   stylesheets), gzipped — budget 150 KB;
# - every other chunk (pages loaded on demand), and GraphiQL's page, apart.
#   bash bench/web-size.sh
# Rebuild first (cd web && npm run build) to measure a change.
set -euo pipefail
cd "$(dirname "$0")/../api/assets/web"
BUDGET=$((150 * 1024))
gz() { gzip -9 -c "$1" | wc -c; }
shell_files() {
  grep -oE '(src|href)="/assets/[^"]+\.(js|css)"' "$1" | sed -E 's/.*"\/(assets\/[^"]+)"/\1/' | sort -u
}
sum() { local t=0; for f in "$@"; do t=$((t + $(gz "$f"))); done; echo "$t"; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

mapfile -t shell < <(shell_files index.html)
# GraphiQL's build names its files graphiql-*: the page's own and the
# editor's parts it loads on demand.
mapfile -t graphiql < <({ shell_files graphiql.html; ls assets/graphiql-*.js assets/graphiql-*.css 2>/dev/null; } | sort -u)
shell_gz=$(sum "${shell[@]}")
echo "app shell (index.html's JS and CSS), gzipped: $(kb "$shell_gz") of $(kb $BUDGET) budget"
for f in "${shell[@]}"; do printf '  %-48s %8s raw %10s gzip\n' "$f" "$(kb "$(wc -c <"$f")")" "$(kb "$(gz "$f")")"; done
lazy=()
for f in assets/*.js assets/*.css; do
  case " ${shell[*]} ${graphiql[*]} " in *" $f "*) ;; *) lazy+=("$f") ;; esac
done
if [ ${#lazy[@]} -gt 0 ]; then
  echo "app pages loaded on demand: ${#lazy[@]} files, $(kb "$(sum "${lazy[@]}")") gzipped in all"
  for f in "${lazy[@]}"; do printf '  %-48s %8s raw %10s gzip\n' "$f" "$(kb "$(wc -c <"$f")")" "$(kb "$(gz "$f")")"; done
fi
# The dashboard route (budget 250 KB): the shell and its own chunk.
mapfile -t dash < <(printf '%s\n' "${lazy[@]}" | grep '^assets/DashboardPage-' || true)
if [ ${#dash[@]} -gt 0 ]; then
  echo "dashboard route (shell + its chunk), gzipped: $(kb $((shell_gz + $(sum "${dash[@]}")))) of 250.0 KB budget"
fi
mapfile -t graphiql_page < <(shell_files graphiql.html)
echo "GraphiQL (GET /graphql, not part of the app), gzipped: $(kb "$(sum "${graphiql_page[@]}")") when the page loads, $(kb "$(sum "${graphiql[@]}")") with the ${#graphiql[@]} editor parts it may load later"
if [ "$shell_gz" -gt "$BUDGET" ]; then
  echo "OVER BUDGET" >&2
  exit 1
fi
