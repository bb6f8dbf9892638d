/** `rampart keys gen`: makes an ed25519 key pair for an approver or exception granter. */
import { access, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { generateSigningKey } from '../../bundle/keys.js';
import { UsageError } from '../exit.js';

/** Generates a key pair, refusing to overwrite an existing private key. */
export async function runKeysGen(opts: { out: string; id?: string }): Promise<string> {
  const keyPath = `${opts.out}.key`;
  const pubPath = `${opts.out}.pub`;
  const exists = await access(keyPath).then(
    () => true,
    () => false,
  );
  if (exists) throw new UsageError(`${keyPath} already exists; refusing to overwrite a private key`);
  const key = generateSigningKey();
  await writeFile(keyPath, key.privateKeyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(pubPath, `${key.publicKey}\n`, { mode: 0o644 });
  const id = opts.id ?? 'your-id';
  return [
    `wrote ${keyPath} (private: keep it secret, never commit it) and ${pubPath}`,
    `key id ${key.keyId}`,
    'add to governance.yaml under approvers: or exceptionGranters:',
    `  - { id: ${id}, publicKey: "${key.publicKey}" }`,
    '',
  ].join('\n');
}

/** Registers `rampart keys`. */
export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('manage ed25519 signing keys for approvers and exception granters');
  keys
    .command('gen')
    .description('generate a key pair: <out>.key (PKCS#8 PEM, mode 600) and <out>.pub (ed25519:<hex>)')
    .requiredOption('-o, --out <prefix>', 'path prefix for the .key and .pub files')
    .option('--id <id>', 'approver id to show in the governance.yaml snippet')
    .action(async (opts: { out: string; id?: string }) => {
      process.stdout.write(await runKeysGen(opts));
    });
}
