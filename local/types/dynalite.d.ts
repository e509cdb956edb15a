declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of dynalite (see its README). */
  interface DynaliteOptions {
    path?: string | undefined;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }

  /** Creates an unstarted HTTP server that emulates DynamoDB. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
