/**
 * The page's CSP forbids eval: tell zod (used by the shared run-config schema) not to probe for or use
 * `new Function`, so no CSP violation is reported. Imported first by main.ts.
 */
import { config } from 'zod';

config({ jitless: true });
