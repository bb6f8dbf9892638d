/**
 * Keys for PostgreSQL evidence under `rampart serve`. The sink has no files of its own, and without a
 * key directory it would hash subject ids with a random per-process key (records of one user could not
 * be joined across restarts or instances) and sign checkpoints with a key nobody kept (so
 * `rampart logs verify` could not check them). The keys live where `rampart logs` looks for them by
 * default for PostgreSQL (`.rampart`); the sink itself gets no `keyDir`, so it keeps its documented
 * outage behaviour (deny, no local spill).
 */
import { type CheckpointSigner, loadSigner, loadSubjectKey } from '../evidence/index.js';

/** The directory `rampart logs` reads PostgreSQL keys from when given no `--key-dir`. */
export const POSTGRES_KEY_DIR = '.rampart';

/** Subject HMAC key (`RAMPART_SUBJECT_KEY` wins) and checkpoint signer from `dir`, created when absent. */
export function postgresEvidenceKeys(dir: string = POSTGRES_KEY_DIR): {
  subjectKey: Buffer;
  signer: CheckpointSigner;
} {
  return { subjectKey: loadSubjectKey(dir), signer: loadSigner(dir) };
}
