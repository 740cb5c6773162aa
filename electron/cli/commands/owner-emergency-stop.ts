import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { askOwner, ControlRefused, OwnerUnreachable } from '../../app/control-client';
import { ledgerOwner, type LedgerIdentity, type PidInfo } from '../../store/database';
import { checkAllClosed, reportOpenPositions } from './open-positions';

/** How long an owner that has just opened its ledger may take to start its control channel. */
const CHANNEL_GRACE_MS = 2000;

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

/** The owner's pid file, waiting a moment for an owner that is still starting its control channel. */
async function channelOf(file: string, first: PidInfo): Promise<PidInfo | undefined> {
  let owner: PidInfo | undefined = first;
  const until = Date.now() + CHANNEL_GRACE_MS;
  while (owner && !owner.control && Date.now() < until) {
    await sleep(100);
    owner = ledgerOwner(file);
  }
  return owner;
}

/**
 * `emergency-stop` on a ledger another process owns: asks that process over its control channel to
 * run its own emergency stop, prints its progress, then checks the ledger file itself (read-only).
 * 0 only when the ledger shows no open position; 1 otherwise, or when the owner could not be asked
 * or did not answer.
 */
export async function emergencyStopThroughOwner(
  file: string,
  identity: LedgerIdentity,
  first: PidInfo,
): Promise<number> {
  const owner = await channelOf(file, first);
  if (!owner) {
    complain(
      `✖ pid ${first.pid} stopped owning ledger ${file} before it could be asked: nothing was done; run npm run emergencyStop again`,
    );
    return 1;
  }
  const pid = owner.pid;
  if (pid === -1) {
    complain(
      `✖ ledger ${file} is locked by another process, but its pid file ${file}.pid is missing or unreadable, so it cannot be asked: the emergency stop was NOT run. Find the Tranche process using this ledger and stop it, then run npm run emergencyStop again.`,
    );
    reportOpenPositions(file, identity);
    return 1;
  }
  if (owner.hostname && owner.hostname !== os.hostname()) {
    complain(
      `✖ ledger ${file} is owned by pid ${pid} on host ${owner.hostname}, not this computer: run npm run emergencyStop there. Nothing was done.`,
    );
    return 1;
  }
  if (!owner.control) {
    complain(
      `✖ ledger ${file} is owned by pid ${pid}, which has no control channel (a Tranche from before control channels, or one that could not open its channel; its output says which): the emergency stop was NOT run. Stop that process (Ctrl+C, or quit the app), then run npm run emergencyStop again.`,
    );
    reportOpenPositions(file, identity);
    return 1;
  }
  say(
    `🚨 Ledger ${file} (${identity.mode}, ${identity.environment}) is in use by pid ${pid}: asking it for its emergency stop over ${owner.control}`,
  );
  let done;
  try {
    done = await askOwner(owner.control, 'emergency-stop', { onProgress: (line) => say(`   [pid ${pid}] ${line}`) });
  } catch (e) {
    if (e instanceof OwnerUnreachable) {
      complain(
        `✖ pid ${pid} owns ledger ${file} but did not answer: ${e.message}. The emergency stop is NOT confirmed (that process may still run it if it resumes); check it: if it is hung, stop it, then run npm run emergencyStop again.`,
      );
    } else if (e instanceof ControlRefused) {
      complain(`✖ pid ${pid} refused the emergency stop of ledger ${file} (${e.code}): ${e.message}`);
    } else throw e;
    reportOpenPositions(file, identity);
    return 1;
  }
  say(`🚨 pid ${pid} finished its emergency stop of ledger ${file}`);
  if (done.error) complain(`   pid ${pid} reported: ${done.error}`);
  // The owner's word is not the proof: the ledger file is.
  return checkAllClosed(file, identity);
}
