// Bundles the console into dist/ (or the directory given as the first argument): app.js (Preact,
// htm and our modules as one minified ES module), app.css, index.html and the icon. The output is
// deterministic (same sources and locked versions, same bytes), so the committed dist/ can be
// checked against a fresh build (scripts/test-console.sh does).
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, 'dist'));

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

await build({
  entryPoints: [join(here, 'src/main.js')],
  outfile: join(outdir, 'app.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
});

await build({
  entryPoints: [join(here, 'src/app.css')],
  outfile: join(outdir, 'app.css'),
  bundle: true,
  minify: true,
  charset: 'utf8',
  logLevel: 'warning',
});

for (const file of ['index.html', 'favicon.svg']) {
  await copyFile(join(here, 'src', file), join(outdir, file));
}
