/**
 * The contract over Electron IPC as envelopes (CallEnvelope): a call resolves with { ok: true, result } or
 * { ok: false, error } and never rejects, so the renderer reads the error's name, message and field as
 * data instead of from the text of a rejected invoke. Pure (no Electron): main/index.ts hands it the
 * dispatch function and registers the result with ipcMain.handle.
 */
import type { CallEnvelope, ContractError } from '../../shared/contract';
import { isContractError, toContractError } from './handlers';

export type Dispatch = (method: unknown, params: unknown) => Promise<unknown>;

/**
 * A failure as the envelope carries it: the contract error's name, message and field, nothing else (no
 * stack, no cause, no other properties an error object may hold). Anything thrown is accepted.
 */
export function errorEnvelope(err: unknown): CallEnvelope<never> {
  let e: ContractError;
  try {
    e = !(err instanceof Error) && isContractError(err) ? err : toContractError(err);
  } catch {
    // A thrown value whose name, message or String() itself throws.
    e = { name: 'Error', message: 'unexpected error' };
  }
  const error: ContractError = {
    name: String(e.name),
    message: String(e.message),
    ...(typeof e.field === 'string' && e.field !== '' ? { field: e.field } : {}),
  };
  return { ok: false, error };
}

/** The dispatch function with every outcome (result, contract error, unexpected error) as an envelope. */
export function envelopeCalls(
  dispatch: Dispatch,
): (method: unknown, params: unknown) => Promise<CallEnvelope> {
  return async (method, params) => {
    try {
      return { ok: true, result: await dispatch(method, params) };
    } catch (err) {
      return errorEnvelope(err);
    }
  };
}
