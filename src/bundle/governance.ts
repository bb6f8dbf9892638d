/**
 * governance.yaml: who owns the policy, who approves changes (k of n ed25519 signatures, a higher k
 * for changes that loosen high-risk rules), who may grant exceptions and for how long, who is paged.
 *
 * The governance a verifier trusts is supplied by the operator (a file outside the bundle); a copy in
 * the bundle is for review only, so a tampered bundle cannot bring its own approvers.
 */
import { LineCounter, type Node, parseDocument } from 'yaml';
import { parseDuration } from './duration.js';
import { type BundleDiagnostic, BundleError } from './errors.js';
import { isPublicKeyText, keyIdOf } from './keys.js';

/** A person or service whose key counts toward k. */
export interface Approver {
  id: string;
  publicKey: string;
  keyId: string;
}

/** Someone allowed to grant exceptions, optionally only up to a risk class. */
export interface ExceptionGranter {
  id: string;
  publicKey: string;
  keyId: string;
  /** Highest rule risk class this granter may waive; absent means any. */
  maxRisk?: string;
}

/** A validated governance file. */
export interface Governance {
  owners: string[];
  escalation: { contact: string; [key: string]: string };
  approvers: Approver[];
  exceptionGranters: ExceptionGranter[];
  signatures: { required: number; loosening: number };
  /** Revoked key ids (accepted in the file as key ids or public keys). */
  revokedKeys: string[];
  /** Longest exception per risk class, in milliseconds. */
  exceptionMaxDuration: Record<string, number>;
  /** Risk classes in order, lowest first. */
  riskClasses: string[];
}

const TOP_KEYS = [
  'apiVersion',
  'kind',
  'owners',
  'escalation',
  'approvers',
  'exceptionGranters',
  'signatures',
  'revokedKeys',
  'exceptions',
  'riskClasses',
];
const DEFAULT_RISK_CLASSES = ['low', 'medium', 'high', 'critical'];

type Path = (string | number)[];

/** Parses and validates governance.yaml, collecting every problem with file:line:column. */
export function parseGovernance(text: string, file = 'governance.yaml'): Governance {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: BundleDiagnostic[] = [];
  const at = (path: Path) => {
    const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | undefined;
    const offset = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col, path: formatPath(path) };
  };
  const fail = (path: Path, message: string) =>
    problems.push({ code: 'governance/invalid', message, location: at(path) });
  // Unknown keys are reported at the key itself, not at its value.
  const failKey = (path: Path, message: string) => {
    const parent = (path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)) as unknown;
    const items =
      (parent as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] })?.items ?? [];
    const pair = items.find((p) => p.key?.value === path[path.length - 1]);
    if (!pair?.key?.range) return fail(path, message);
    const pos = lineCounter.linePos(pair.key.range[0]);
    problems.push({
      code: 'governance/invalid',
      message,
      location: { file, line: pos.line, column: pos.col, path: formatPath(path) },
    });
  };
  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0]);
    problems.push({
      code: 'governance/invalid',
      message: error.message.split('\n')[0] ?? 'YAML error',
      location: { file, line: pos.line, column: pos.col },
    });
  }
  if (problems.length > 0) throw governanceError(problems);
  const raw = doc.toJS() as unknown;
  if (!isRecord(raw))
    throw governanceError([
      { code: 'governance/invalid', message: 'governance file must be a mapping', location: at([]) },
    ]);

  for (const key of Object.keys(raw)) if (!TOP_KEYS.includes(key)) failKey([key], `unknown key \`${key}\``);
  if (raw.apiVersion !== 'rampart.dev/v1') fail(['apiVersion'], 'apiVersion must be rampart.dev/v1');
  if (raw.kind !== 'Governance') fail(['kind'], 'kind must be Governance');

  const riskClasses =
    raw.riskClasses === undefined ? DEFAULT_RISK_CLASSES : stringList(raw.riskClasses, ['riskClasses'], fail);
  const owners = stringList(raw.owners, ['owners'], fail);
  if (owners.length === 0 && raw.owners !== undefined)
    fail(['owners'], 'owners must name at least one owner');
  if (raw.owners === undefined) fail([], 'missing `owners`');

  let escalation: Governance['escalation'] = { contact: '' };
  if (
    !isRecord(raw.escalation) ||
    typeof raw.escalation.contact !== 'string' ||
    raw.escalation.contact === ''
  ) {
    fail(raw.escalation === undefined ? [] : ['escalation'], 'escalation.contact is required (who is paged)');
  } else {
    for (const [k, v] of Object.entries(raw.escalation))
      if (typeof v !== 'string') fail(['escalation', k], `escalation.${k} must be a string`);
    escalation = raw.escalation as Governance['escalation'];
  }

  const seenKeys = new Map<string, string>();
  const people = (key: 'approvers' | 'exceptionGranters'): ExceptionGranter[] => {
    const list = raw[key];
    if (list === undefined) {
      fail([], `missing \`${key}\``);
      return [];
    }
    if (!Array.isArray(list)) {
      fail([key], `${key} must be a list`);
      return [];
    }
    const ids = new Set<string>();
    const out: ExceptionGranter[] = [];
    for (const [i, entry] of list.entries()) {
      if (!isRecord(entry)) {
        fail([key, i], `${key}[${i}] must be a mapping with id and publicKey`);
        continue;
      }
      const allowed = key === 'approvers' ? ['id', 'publicKey'] : ['id', 'publicKey', 'maxRisk'];
      for (const k of Object.keys(entry))
        if (!allowed.includes(k)) failKey([key, i, k], `unknown key \`${k}\` in ${key}[${i}]`);
      const { id, publicKey, maxRisk } = entry;
      if (typeof id !== 'string' || id === '') {
        fail([key, i], `${key}[${i}].id is required`);
        continue;
      }
      if (ids.has(id)) fail([key, i, 'id'], `duplicate ${key} id \`${id}\``);
      ids.add(id);
      if (typeof publicKey !== 'string' || !isPublicKeyText(publicKey)) {
        fail(
          [key, i, 'publicKey'],
          `${key}[${i}].publicKey must look like ed25519:<64 lowercase hex digits> (see \`rampart keys gen\`)`,
        );
        continue;
      }
      const keyId = keyIdOf(publicKey);
      const owner = seenKeys.get(`${key}:${keyId}`);
      if (owner) fail([key, i, 'publicKey'], `${key} \`${id}\` reuses the key of \`${owner}\``);
      seenKeys.set(`${key}:${keyId}`, id);
      const person: ExceptionGranter = { id, publicKey, keyId };
      if (maxRisk !== undefined) {
        if (typeof maxRisk !== 'string' || !riskClasses.includes(maxRisk))
          fail([key, i, 'maxRisk'], `maxRisk must be one of ${riskClasses.join(', ')}`);
        else person.maxRisk = maxRisk;
      }
      out.push(person);
    }
    return out;
  };
  const approvers = people('approvers').map(({ id, publicKey, keyId }) => ({ id, publicKey, keyId }));
  const exceptionGranters = people('exceptionGranters');

  const signatures = { required: 1, loosening: 1 };
  if (!isRecord(raw.signatures)) {
    fail(
      raw.signatures === undefined ? [] : ['signatures'],
      'signatures.required (k of n approvers) is required',
    );
  } else {
    for (const k of Object.keys(raw.signatures))
      if (k !== 'required' && k !== 'loosening')
        failKey(['signatures', k], `unknown key \`${k}\` in signatures`);
    const { required, loosening } = raw.signatures;
    if (typeof required !== 'number' || !Number.isInteger(required) || required < 1)
      fail(['signatures', 'required'], 'signatures.required must be a whole number ≥ 1');
    else signatures.required = required;
    signatures.loosening = signatures.required;
    if (loosening !== undefined) {
      if (typeof loosening !== 'number' || !Number.isInteger(loosening) || loosening < signatures.required)
        fail(
          ['signatures', 'loosening'],
          'signatures.loosening must be a whole number ≥ signatures.required',
        );
      else signatures.loosening = loosening;
    }
    if (signatures.loosening > approvers.length)
      fail(
        ['signatures'],
        `needs ${signatures.loosening} signatures but only ${approvers.length} approvers are listed`,
      );
  }

  const revokedKeys: string[] = [];
  if (raw.revokedKeys !== undefined) {
    if (!Array.isArray(raw.revokedKeys)) fail(['revokedKeys'], 'revokedKeys must be a list');
    else
      raw.revokedKeys.forEach((k, i) => {
        if (typeof k === 'string' && isPublicKeyText(k)) revokedKeys.push(keyIdOf(k));
        else if (typeof k === 'string' && /^[0-9a-f]{16}$/.test(k)) revokedKeys.push(k);
        else
          fail(
            ['revokedKeys', i],
            'revoked key must be a key id (16 hex digits) or ed25519:<hex> public key',
          );
      });
  }
  const usable = approvers.filter((a) => !revokedKeys.includes(a.keyId)).length;
  if (isRecord(raw.signatures) && approvers.length > 0 && usable < signatures.required)
    fail(
      ['revokedKeys'],
      `after revocation only ${usable} approvers remain, fewer than the ${signatures.required} signatures required`,
    );

  const exceptionMaxDuration: Record<string, number> = {};
  if (raw.exceptions !== undefined) {
    const ex = raw.exceptions;
    if (!isRecord(ex)) fail(['exceptions'], 'exceptions must be a mapping');
    else {
      for (const k of Object.keys(ex))
        if (k !== 'maxDuration') failKey(['exceptions', k], `unknown key \`${k}\` in exceptions`);
      if (ex.maxDuration !== undefined) {
        if (!isRecord(ex.maxDuration))
          fail(['exceptions', 'maxDuration'], 'exceptions.maxDuration must map risk class → duration');
        else
          for (const [risk, d] of Object.entries(ex.maxDuration)) {
            if (!riskClasses.includes(risk))
              fail(
                ['exceptions', 'maxDuration', risk],
                `unknown risk class \`${risk}\` (known: ${riskClasses.join(', ')})`,
              );
            const ms = typeof d === 'string' ? parseDuration(d) : undefined;
            if (ms === undefined)
              fail(['exceptions', 'maxDuration', risk], 'duration must look like 90d, 12h or 30m');
            else exceptionMaxDuration[risk] = ms;
          }
      }
    }
  }
  if (problems.length > 0) throw governanceError(problems);
  return {
    owners,
    escalation,
    approvers,
    exceptionGranters,
    signatures,
    revokedKeys,
    exceptionMaxDuration,
    riskClasses,
  };
}

function governanceError(problems: BundleDiagnostic[]): BundleError {
  const first = problems[0] as BundleDiagnostic;
  const lines = problems.map((p) => {
    const l = p.location;
    return `${l?.file}:${l?.line}:${l?.column} ${p.message}`;
  });
  const message =
    problems.length === 1
      ? (lines[0] as string)
      : `${problems.length} problems in governance:\n${lines.join('\n')}`;
  return new BundleError('governance/invalid', message, first.location, problems);
}

function stringList(v: unknown, path: Path, fail: (p: Path, m: string) => void): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) {
    fail(path, `${formatPath(path)} must be a list of names`);
    return [];
  }
  return v as string[];
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when a key id is revoked. */
export function isRevoked(governance: Governance, keyId: string): boolean {
  return governance.revokedKeys.includes(keyId);
}

/** The rank of a risk class (higher is riskier), or -1 when unknown. */
export function riskRank(
  governance: Pick<Governance, 'riskClasses'>,
  risk: string | undefined | null,
): number {
  return risk ? governance.riskClasses.indexOf(risk) : -1;
}
