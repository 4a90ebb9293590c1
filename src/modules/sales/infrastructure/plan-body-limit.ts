import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../../../config/configuration';

/** Route config flag: this route gets SALES_PLAN_BODY_LIMIT_BYTES instead of the global BODY_LIMIT_BYTES. */
export const LARGE_BODY_ROUTE = { salesLargeBody: true } as const;

/**
 * Seating-plan uploads (20,000 seats ≈ 2–3 MB of JSON) need a larger body limit than the rest of the API. Fastify
 * applies a per-route `bodyLimit`; Nest only passes route `config`, so an onRoute hook, registered before Nest
 * registers the routes (this provider is created while the app is being built), turns the flag into the limit.
 */
@Injectable()
export class PlanBodyLimit {
  constructor(adapterHost: HttpAdapterHost, @Inject(APP_CONFIG) config: AppConfig) {
    const fastify = adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.addHook !== 'function') return;
    // CSV plan imports arrive as text/csv (no other parser in this app handles it; skip if one is registered).
    if (!fastify.hasContentTypeParser('text/csv')) {
      fastify.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: config.SALES_PLAN_BODY_LIMIT_BYTES }, (_req, body, done) => done(null, body));
    }
    fastify.addHook('onRoute', (route: RouteOptions) => {
      if ((route.config as Record<string, unknown> | undefined)?.salesLargeBody) route.bodyLimit = config.SALES_PLAN_BODY_LIMIT_BYTES;
    });
  }
}
