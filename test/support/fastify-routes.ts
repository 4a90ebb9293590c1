import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface RouteEntry {
  method: string;
  url: string;
}

/**
 * Every route Fastify's router holds — Nest controllers and the routes Swagger registers on Fastify directly — parsed
 * from `printRoutes({ commonPrefix: false })` (`├── /users (POST, GET, HEAD)`, children indented by four characters,
 * each node's text appended to its parent's path).
 */
export function fastifyRoutes(app: NestFastifyApplication): RouteEntry[] {
  return parseFastifyRoutes(app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false }));
}

export function parseFastifyRoutes(tree: string): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)(?:├──|└──) (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + m[2];
    stack[depth] = url;
    for (const method of (m[3] ?? '').split(',').map((x) => x.trim()).filter(Boolean)) routes.push({ method, url });
  }
  return routes;
}
