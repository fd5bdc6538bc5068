/** What the status bar shows: the app, the transport and the compute backend with the reason. */
import type { ServerInfo } from '../../../shared/contract';
import type { Connection } from './client';
import { errorMessage } from './connection';

export class AppInfoState {
  info = $state.raw<ServerInfo | null>(null);
  error = $state<string | null>(null);
  readonly transport: Connection['transport'];
  readonly #conn: Connection;

  constructor(conn: Connection) {
    this.#conn = conn;
    this.transport = conn.transport;
  }

  async load(): Promise<void> {
    try {
      this.info = await this.#conn.client.appInfo({});
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
    }
  }
}
