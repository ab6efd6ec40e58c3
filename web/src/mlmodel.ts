// Reading an MLmodel file (YAML as MLflow writes it) far enough to show a model: its flavors
// with their scalar settings, and its signature (inputs and outputs are JSON strings).
// Not a general YAML parser. Pure functions.

export interface ColumnSpec { name?: string; type: string; required?: boolean }

export interface MlModel {
  flavors: Array<{ name: string; settings: Array<[string, string]> }>;
  signature?: { inputs: ColumnSpec[]; outputs: ColumnSpec[]; params?: string };
  runId?: string;
  artifactPath?: string;
  created?: string;
  mlflowVersion?: string;
}

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return v.slice(1, -1);
    }
  }
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  return v;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function parseSpecs(raw: string | undefined): ColumnSpec[] {
  if (!raw || raw === '~' || raw === 'null') return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? (v as ColumnSpec[]) : [];
  } catch {
    return [];
  }
}

export function parseMlModel(text: string): MlModel {
  const lines = text.split(/\r?\n/);
  const model: MlModel = { flavors: [] };
  const sig: Record<string, string> = {};
  let section = '';
  let flavor: MlModel['flavors'][number] | null = null;
  for (const line of lines) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const indent = indentOf(line);
    const body = line.trim();
    const colon = body.indexOf(':');
    const key = colon >= 0 ? body.slice(0, colon).trim() : body;
    const value = colon >= 0 ? body.slice(colon + 1).trim() : '';
    if (indent === 0) {
      section = key;
      flavor = null;
      if (key === 'run_id') model.runId = unquote(value);
      else if (key === 'artifact_path') model.artifactPath = unquote(value);
      else if (key === 'utc_time_created') model.created = unquote(value);
      else if (key === 'mlflow_version') model.mlflowVersion = unquote(value);
      continue;
    }
    if (section === 'flavors') {
      if (indent === 2 && colon >= 0) {
        flavor = { name: key, settings: [] };
        model.flavors.push(flavor);
      } else if (flavor && indent === 4 && colon >= 0 && value) {
        flavor.settings.push([key, unquote(value)]);
      }
    } else if (section === 'signature' && indent === 2 && colon >= 0) {
      sig[key] = unquote(value);
    }
  }
  if (Object.keys(sig).length) {
    model.signature = {
      inputs: parseSpecs(sig.inputs),
      outputs: parseSpecs(sig.outputs),
      params: sig.params && sig.params !== '~' && sig.params !== 'null' ? sig.params : undefined,
    };
  }
  return model;
}
