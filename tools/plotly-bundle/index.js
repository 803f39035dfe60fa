// Partial plotly.js for the dashboard: only the trace types dashboard/figures.py draws
// (go.Bar, go.Scatter, go.Scattergeo) and the Spanish locale for the ?lang=es UI.
// Add a trace here (and rebuild: `npm ci && npm run build`) before using a new go.* type in the app.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scatter'),  // also in core; listed for clarity
    require('plotly.js/lib/scattergeo'),
    require('plotly.js/lib/locales/es'),
]);

module.exports = Plotly;
