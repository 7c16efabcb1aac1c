import type { Replica } from '../serving/Replica.js';
import type { RouterFactory } from './router.js';

/** `random`: a ready replica uniformly at random, one draw per routed request from the router's stream. */
export const random: RouterFactory = ({ stream }) => ({
  route: (_request, replicas) => replicas.at(Math.floor(stream() * replicas.length)) as Replica,
  readyChanged: () => {},
  joined: () => {},
  left: () => {},
});
