// Bundle index.js with esbuild into ../../dashboard/vendor/plotly-partial.min.js (an IIFE that sets
// window.Plotly, like the full plotly.min.js that Dash serves by default).
'use strict';
const path = require('path');
const fs = require('fs');
const esbuild = require('esbuild');

const version = require('plotly.js/package.json').version;
const out = path.resolve(__dirname, '../../dashboard/vendor/plotly-partial.min.js');

esbuild.build({
    entryPoints: [path.join(__dirname, 'index.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly',
    platform: 'browser',
    target: ['es2018'],
    legalComments: 'none',
    // as plotly.js's own esbuild-config.js (global, define.amd, aliases); its only CSS import is
    // maplibre-gl's, loaded for 'map' traces only, which this bundle does not register
    define: { 'process.env.NODE_ENV': '"production"', global: 'window', 'define.amd': 'false' },
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    loader: { '.css': 'empty' },
    banner: { js: `/** plotly.js v${version} partial bundle (core, bar, scatter, scattergeo, locale es) | MIT */` },
    outfile: out,
    logLevel: 'info',
}).then(() => {
    console.log(`${out}: ${fs.statSync(out).size} bytes (plotly.js ${version})`);
}).catch(() => process.exit(1));
