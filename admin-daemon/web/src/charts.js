// Charts, drawn by Chart.js (bundled from npm, registered piece by piece
// so the bundle carries only what is used).  Colours come from the theme's
// CSS variables; a page destroys its charts when it is left or redrawn.

import {
    Chart, LineController, BarController, DoughnutController,
    LineElement, PointElement, BarElement, ArcElement,
    CategoryScale, LinearScale, Filler, Legend, Tooltip,
} from 'chart.js';
import { cssVar } from './theme.js';

Chart.register(LineController, BarController, DoughnutController,
    LineElement, PointElement, BarElement, ArcElement,
    CategoryScale, LinearScale, Filler, Legend, Tooltip);

export function palette() {
    return [1, 2, 3, 4, 5, 6].map((i) => cssVar(`--chart-${i}`));
}

function base(fmt) {
    const fg = cssVar('--muted');
    const grid = cssVar('--grid');
    Chart.defaults.color = fg;
    Chart.defaults.borderColor = grid;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    return {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        plugins: {
            legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
            tooltip: fmt ? { callbacks: { label: (c) => `${c.dataset.label}: ${fmt(c.parsed.y)}` } } : {},
        },
        scales: {
            x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
            y: { beginAtZero: true, grid: { color: grid }, ticks: fmt ? { callback: (v) => fmt(v) } : {} },
        },
    };
}

// series: [{ label, data, colour index, fill?, stack? }]
export function timeChart(canvas, labels, series, { type = 'line', fmt, stacked, integer } = {}) {
    const colours = palette();
    const opts = base(fmt);
    if (integer) {
        opts.scales.y.ticks.precision = 0;
    }
    if (stacked) {
        opts.scales.x.stacked = true;
        opts.scales.y.stacked = true;
    }
    return new Chart(canvas, {
        type,
        data: {
            labels,
            datasets: series.map((s, i) => {
                const c = colours[(s.colour ?? i) % colours.length];
                return {
                    label: s.label,
                    data: s.data,
                    borderColor: c,
                    backgroundColor: type === 'bar' ? c : c + '33',
                    fill: s.fill || false,
                    tension: 0.25,
                    pointRadius: labels.length > 40 ? 0 : 2,
                    borderWidth: 2,
                    spanGaps: true,
                };
            }),
        },
        options: opts,
    });
}

export function shareChart(canvas, labels, values, fmt) {
    const colours = palette();
    return new Chart(canvas, {
        type: 'doughnut',
        data: {
            labels,
            datasets: [{
                data: values,
                backgroundColor: labels.map((_, i) => colours[i % colours.length]),
                borderColor: cssVar('--surface'),
                borderWidth: 2,
            }],
        },
        options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            plugins: {
                legend: { position: 'right', labels: { boxWidth: 12, boxHeight: 12, color: cssVar('--muted') } },
                tooltip: fmt ? { callbacks: { label: (c) => `${c.label}: ${fmt(c.parsed)}` } } : {},
            },
        },
    });
}
