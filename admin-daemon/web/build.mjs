// Bundle the dashboard into one folder the daemon embeds:
//
//   node build.mjs [OUTDIR]        (default ../../build/web)
//
// esbuild bundles src/main.js (with Chart.js from node_modules) and its CSS
// into content-hashed files under assets/, then index.html is written with
// their names.  No inline script or style anywhere: the daemon's CSP
// forbids both.  Every path is relative to the page, so the dashboard works
// under a proxy's sub-path (https://gw.example.com/admin/) as at the root.

import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, '../../build/web'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
    entryPoints: [join(here, 'src/main.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    outdir: out,
    entryNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
});

let js, css;
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    const url = relative(out, resolve(file)).split('\\').join('/');
    if (meta.entryPoint && url.endsWith('.js')) {
        js = url;
    } else if (url.endsWith('.css')) {
        css = url;
    }
}
if (!js || !css) {
    throw new Error('esbuild produced no js or css entry');
}

const html = readFileSync(join(here, 'src/index.html'), 'utf8')
    .replace('%APP_JS%', js)
    .replace('%APP_CSS%', css);
writeFileSync(join(out, 'index.html'), html);
copyFileSync(join(here, 'src/favicon.svg'), join(out, 'favicon.svg'));
