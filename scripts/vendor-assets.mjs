// Build the front-end libraries installed from the npm registry into the static folder that
// Django serves (fangkong/core/static/vendor/, git-ignored); nothing third-party is committed.
//
// - htmx is copied as published;
// - ECharts is bundled by esbuild from scripts/echarts-board.mjs with only the chart types and
//   components the board uses (about a third of the full build);
// - each file gets a gzip (.gz) and a Brotli (.br) copy beside it, which WhiteNoise sends to a
//   browser that accepts them: under `fangkong serve` (DEBUG, files found in the apps) as under
//   collectstatic, whose own compression then skips these already compressed names.
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "fangkong", "core", "static", "vendor");
const copied = { "htmx.org/dist/htmx.min.js": "htmx.min.js" };

rmSync(target, { recursive: true, force: true }); // no stale library left to be collected
mkdirSync(target, { recursive: true });
for (const [source, name] of Object.entries(copied)) {
  copyFileSync(join(root, "node_modules", source), join(target, name));
}
await build({
  entryPoints: [join(root, "scripts", "echarts-board.mjs")],
  outfile: join(target, "echarts-board.min.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  legalComments: "eof", // ECharts' Apache-2.0 notice stays in the file
  logLevel: "warning",
});

const names = [...Object.values(copied), "echarts-board.min.js"];
for (const name of names) {
  const path = join(target, name);
  const data = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  );
}
console.log(`built ${names.length} files (with .gz and .br) into fangkong/core/static/vendor/`);
