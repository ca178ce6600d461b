// A key's policy on the Keys page: the form fields of its limits, output
// cap, system prompt, default model and own provider credentials (write-
// only: a secret typed here is sent once and never shown again), and its
// live use of each limit from nginx's shared counters.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as f from '../format.js';

// In the API's order; the last three are money (USD).
export const LIMITS = [
    'requests_per_minute', 'requests_per_hour', 'requests_per_day',
    'tokens_per_minute', 'input_tokens_per_day', 'output_tokens_per_day',
    'concurrent', 'budget_day', 'budget_month', 'budget_total',
];
const BUDGET = (name) => name.startsWith('budget_');

// What each limit is counted against in the live figures.
const USAGE_OF = {
    requests_per_minute: 'requests_minute', requests_per_hour: 'requests_hour',
    requests_per_day: 'requests_day', tokens_per_minute: 'tokens_minute',
    input_tokens_per_day: 'input_tokens_day', output_tokens_per_day: 'output_tokens_day',
    concurrent: 'concurrent', budget_day: 'spend_day', budget_month: 'spend_month',
    budget_total: 'spend_total',
};

// The form's fields for key k (null: a new key); providers are nginx's.
// Returns { nodes, body() }: body() is the policy part of the request,
// only what changed on an edit.
export function policyFields(k, providers) {
    const limits = k ? k.limits : {};
    const inputs = {};
    const grid = h('div', { class: 'limit-grid' }, ...LIMITS.map((name) => {
        const id = `limit-${name}`;
        inputs[name] = h('input', {
            id, type: 'number', min: '0', step: BUDGET(name) ? '0.01' : '1', inputmode: BUDGET(name) ? 'decimal' : 'numeric',
            value: limits[name] ? String(limits[name]) : '', placeholder: t('policy.none'),
        });
        return h('div', { class: 'field' }, h('label', { for: id }, t(`limit.${name}`)), inputs[name]);
    }));

    const maxOut = h('input', { id: 'policy-max-output-tokens', type: 'number', min: '0', step: '1',
        value: k && k.max_output_tokens ? String(k.max_output_tokens) : '', placeholder: t('policy.none') });
    const mode = h('select', { id: 'policy-max-output' },
        h('option', { value: 'clamp', selected: !k || k.max_output !== 'refuse' }, t('policy.clamp')),
        h('option', { value: 'refuse', selected: !!k && k.max_output === 'refuse' }, t('policy.refuse')));
    const stream = h('select', { id: 'policy-budget-stream' },
        h('option', { value: 'end', selected: !k || k.budget_stream !== 'finish' }, t('policy.stream_end')),
        h('option', { value: 'finish', selected: !!k && k.budget_stream === 'finish' }, t('policy.stream_finish')));
    const prompt = h('textarea', { id: 'policy-system-prompt', rows: '3', maxlength: '32768' });
    prompt.value = k && k.system_prompt ? k.system_prompt : '';
    const model = h('input', { id: 'policy-default-model', maxlength: '255', value: k && k.default_model ? k.default_model : '' });

    // credentials: one row per provider nginx has; a secret typed replaces
    // the stored one, "remove" drops it, an empty field keeps it
    const has = new Set(k ? k.credentials.map((c) => c.provider) : []);
    const creds = providers.map((p) => {
        const secret = h('input', { id: `cred-${p}`, type: 'password', autocomplete: 'off', spellcheck: 'false',
            placeholder: has.has(p) ? t('policy.cred_set') : t('policy.cred_none') });
        const remove = has.has(p) ? h('input', { id: `cred-remove-${p}`, type: 'checkbox' }) : null;
        return { p, secret, remove };
    });

    const nodes = [
        h('fieldset', { class: 'policy' },
            h('legend', null, t('policy.limits')),
            h('p', { class: 'hint' }, t('policy.limits_help')),
            grid),
        h('fieldset', { class: 'policy' },
            h('legend', null, t('policy.requests')),
            h('div', { class: 'limit-grid' },
                h('div', { class: 'field' }, h('label', { for: 'policy-max-output-tokens' }, t('policy.max_output_tokens')), maxOut),
                h('div', { class: 'field' }, h('label', { for: 'policy-max-output' }, t('policy.max_output')), mode),
                h('div', { class: 'field' }, h('label', { for: 'policy-budget-stream' }, t('policy.budget_stream')), stream),
                h('div', { class: 'field' }, h('label', { for: 'policy-default-model' }, t('policy.default_model')), model)),
            h('label', { for: 'policy-system-prompt' }, t('policy.system_prompt')), prompt),
        providers.length ? h('fieldset', { class: 'policy' },
            h('legend', null, t('policy.credentials')),
            h('p', { class: 'hint' }, t('policy.credentials_help')),
            ...creds.map(({ p, secret, remove }) => h('div', { class: 'cred-row' },
                h('label', { for: `cred-${p}` }, p), secret,
                remove ? h('label', { class: 'check' }, remove, t('policy.cred_remove')) : null))) : null,
    ];

    function body() {
        const out = {};
        const lim = {};
        for (const name of LIMITS) {
            const v = inputs[name].value.trim() === '' ? 0 : Number(inputs[name].value);
            if (!k || v !== (limits[name] || 0)) lim[name] = v;
        }
        if (Object.keys(lim).length) out.limits = lim;
        const mo = maxOut.value.trim() === '' ? 0 : Number(maxOut.value);
        if (!k || mo !== k.max_output_tokens) out.max_output_tokens = mo;
        if (!k || mode.value !== k.max_output) out.max_output = mode.value;
        if (!k || stream.value !== k.budget_stream) out.budget_stream = stream.value;
        const sp = prompt.value === '' ? null : prompt.value;
        if (k ? sp !== k.system_prompt : sp !== null) out.system_prompt = sp;
        const dm = model.value.trim() === '' ? null : model.value.trim();
        if (k ? dm !== k.default_model : dm !== null) out.default_model = dm;
        const c = [];
        for (const { p, secret, remove } of creds) {
            if (remove && remove.checked) c.push({ provider: p, secret: null });
            else if (secret.value !== '') c.push({ provider: p, secret: secret.value });
        }
        if (c.length) out.credentials = c;
        return out;
    }

    return { nodes, body };
}

// One limit's live figure: "used / limit", and what a budget has left.
function figure(name, limit, live) {
    const used = live ? live.usage[USAGE_OF[name]] : 0;
    if (BUDGET(name)) {
        const left = live ? live.remaining[name] : limit;
        return t('policy.budget_use', { used: f.usd(used), limit: f.usd(limit), left: f.usd(left) });
    }
    return `${f.num(used)} / ${f.num(limit)}`;
}

// The limits cell of a key (dynamic or static): every limit set, its use
// now, and the refusals nginx counted; '–' without limits.
export function limitsCell(limits, live) {
    const set = LIMITS.filter((name) => limits && limits[name]);
    const items = set.map((name) => h('li', { 'data-limit': name },
        h('span', { class: 'muted' }, `${t(`limit.${name}`)}: `), figure(name, limits[name], live)));
    if (live && live.usage.refused_total) {
        items.push(h('li', { 'data-limit-refused': String(live.usage.refused_total) },
            h('span', { class: 'badge warn' }, t('policy.refused', { n: f.num(live.usage.refused_total) }))));
    }
    return items.length ? h('ul', { class: 'limits' }, ...items) : '–';
}

// The models of a key no route of nginx serves (nginx routes by the exact
// model, else a "*" route; an entry "x*" needs a route starting with x).
export function unrouted(models, routes) {
    if (!routes || routes.some((r) => r.model === '*')) return [];
    return models.filter((m) => !routes.some((r) => (m.endsWith('*')
        ? r.model.startsWith(m.slice(0, -1)) : r.model === m)));
}
