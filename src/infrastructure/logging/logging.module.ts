import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';
import { HOT_ROUTES } from '../http/hot-routes';

/** JSON logs (pino) with the request id on every line; secrets redacted. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          // The id Fastify assigned (x-request-id from the client, else a UUID), copied onto the raw request.
          genReqId: (req: IncomingMessage) => String(req.headers['x-request-id'] ?? ''),
          redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'],
          autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          },
        },
        forRoutes: [{ path: '{*splat}', method: 0 as never }],
        exclude: HOT_ROUTES, // see hot-routes.ts
      }),
    }),
  ],
})
export class LoggingModule {}
