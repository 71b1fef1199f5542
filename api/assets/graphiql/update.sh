#!/usr/bin/env bash
# Rebuilds this folder from the npm registry: GraphiQL's UMD build and the React 18 UMD
# builds it runs on, pinned, with their licences. The binary embeds these files and serves
# them itself (api/src/http/assets.rs), so GraphiQL works without any request leaving the
# service. Two changes to the published files: GraphiQL's CSS inlines its fonts as `data:`
# URLs, which a `Content-Security-Policy` with `font-src 'self'` refuses, so each font becomes
# a file of its own under fonts/; and the `sourceMappingURL` comments go (the maps are not
# shipped, and browsers would ask for them). To upgrade, bump the versions below and run this script; there is
# nothing else: the version is read from VERSION and the file list from files.rs.
set -euo pipefail
GRAPHIQL=4.1.2
REACT=18.3.1
here="$(cd "$(dirname "$0")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null
for archive in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT"; do
  package="${archive%-*}"
  mkdir "$package" && tar xzf "$archive.tgz" -C "$package" --strip-components=1
done
rm -rf "$here/fonts"
mkdir -p "$here/fonts"
sed '/^\/\/# sourceMappingURL=/d' graphiql/graphiql.min.js >"$here/graphiql.min.js"
sed '/^\/\/# sourceMappingURL=/d' react/umd/react.production.min.js >"$here/react.production.min.js"
sed '/^\/\/# sourceMappingURL=/d' react-dom/umd/react-dom.production.min.js >"$here/react-dom.production.min.js"
cp graphiql/LICENSE "$here/LICENSE.graphiql"
cp react/LICENSE "$here/LICENSE.react"
cp react-dom/LICENSE "$here/LICENSE.react-dom"
# Each data:font/woff(2) URL becomes fonts/<first 16 hex of its SHA-256>.woff(2).
node - graphiql/graphiql.min.css "$here" <<'JS'
const fs = require('fs');
const crypto = require('crypto');
const [css, out] = process.argv.slice(2);
const fonts = new Map();
const rewritten = fs.readFileSync(css, 'utf8')
  .replace(/url\((["']?)data:font\/(woff2?);base64,([A-Za-z0-9+/=]+)\1\)/g, (_, _q, format, b64) => {
    const bytes = Buffer.from(b64, 'base64');
    const name = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16) + '.' + format;
    fonts.set(name, bytes);
    return `url(fonts/${name})`;
  })
  .replace(/\/\*# sourceMappingURL=[^*]*\*\/\s*$/, '');
for (const [name, bytes] of fonts) fs.writeFileSync(`${out}/fonts/${name}`, bytes);
fs.writeFileSync(`${out}/graphiql.min.css`, rewritten);
console.log(`${fonts.size} fonts extracted`);
JS

printf %s "$GRAPHIQL" >"$here/VERSION"
# The list the binary embeds (include!d by api/src/http/assets.rs).
{
  echo "// Written by update.sh: the GraphiQL files the binary embeds and serves."
  echo "&["
  for file in graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js \
    LICENSE.graphiql LICENSE.react LICENSE.react-dom $(cd "$here" && ls fonts/* | sort); do
    echo "    (\"$file\", include_bytes!(\"$file\")),"
  done
  echo "]"
} >"$here/files.rs"
