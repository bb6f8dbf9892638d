/** Finds the test Redis server (127.0.0.1:6379) for tests that need it. */
import { Redis } from 'ioredis';

/** True when Redis answers at 127.0.0.1:6379 within half a second. */
export async function redisAvailable(): Promise<boolean> {
  const c = new Redis({
    host: '127.0.0.1',
    port: 6379,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
  });
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}
