import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG, AppConfig } from '../../../config/configuration';

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
        // No Nest middleware: the request logger is bound per request by a Fastify hook (http/request-scope.ts), which
        // skips the hot routes without running @fastify/middie for every request.
        forRoutes: [],
      }),
    }),
  ],
})
export class LoggingModule {}
