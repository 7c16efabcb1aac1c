import type { RouterFactory } from './router.js';

/** `random`: a ready replica uniformly at random, one draw per routed request from the router's stream. */
export const random: RouterFactory = ({ stream }) => ({
  route: (_request, replicas) => replicas[Math.floor(stream() * replicas.length)],
  readyChanged: () => {},
  joined: () => {},
  left: () => {},
});
