import { RequestMethod } from '@nestjs/common';
import type { RouteInfo } from '@nestjs/common/interfaces';

/**
 * The hottest routes (thousands of requests per second in an onsale or at the doors). They run WITHOUT a MikroORM
 * request context (no per-request entity-manager fork) and without nestjs-pino's per-request logger and access-log
 * line (metrics count them; an error is still logged with its request id by the problem filter). Only routes whose
 * handlers never touch the request-scoped EM — they run their own SQL on a connection (`orm.em.getConnection()`) or
 * on a pool of their own and fork explicitly where they need an EM. With `allowGlobalContext: false`, a handler here
 * that used the request-scoped EM by mistake fails loudly instead of silently sharing an identity map.
 * - Sales: the three public reservation commands of the online shop (ReservationStore, EventContextResolver).
 * - Access Control: the online scan (ScanService, AccessDirectory: SQL on a long-lived fork).
 */
export const HOT_ROUTES: RouteInfo[] = [
  { path: 'shop/events/:eventId/holds/seats', method: RequestMethod.POST },
  { path: 'shop/events/:eventId/holds/best-available', method: RequestMethod.POST },
  { path: 'shop/events/:eventId/holds/quantity', method: RequestMethod.POST },
  { path: 'access-control/scanner/scans', method: RequestMethod.POST },
];
