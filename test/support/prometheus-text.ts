/** One sample of a Prometheus text exposition: `name{label="value",...} value`. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${METRIC_NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: -?\\d+)?$`);
/** Go's ParseFloat, which Prometheus uses, takes Inf and NaN in any case (prom-client writes `Nan`). */
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf|nan)$/i;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
/** Series a histogram or summary family `x` exposes besides `x` itself. */
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/**
 * A strict reader of the text format (version 0.0.4): every line is a HELP, a TYPE or a sample whose family was
 * declared, with well-formed labels and a number. Throws naming the first line that is not.
 */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const familyOf = (sample: string): PromFamily | undefined => {
    if (families.has(sample)) return families.get(sample);
    const suffix = SUFFIXES.find((s) => sample.endsWith(s));
    return suffix ? families.get(sample.slice(0, -suffix.length)) : undefined;
  };
  text.split('\n').forEach((line, index) => {
    const fail = (why: string) => {
      throw new Error(`line ${index + 1} ${why}: ${line}`);
    };
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!new RegExp(`^${METRIC_NAME}$`).test(name)) fail('names no valid metric');
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.includes(rest)) fail('has an unknown type');
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      return;
    }
    if (line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (!match) return fail('is not a sample');
    const [, name, labelText, valueText] = match;
    if (!VALUE.test(valueText)) fail('has no numeric value');
    const family = familyOf(name);
    if (!family) return fail('belongs to no declared family');
    const labels: Record<string, string> = {};
    for (const [, key, value] of (labelText ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g)) {
      labels[key] = value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
    }
    family.samples.push({ name, labels, value: Number(valueText.replace(/^\+?inf$/i, 'Infinity').replace(/^-inf$/i, '-Infinity').replace(/^nan$/i, 'NaN')) });
  });
  return families;
}

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    const sample = family.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (sample) return sample.value;
  }
  return undefined;
}
