import { requestState } from '../request-state.js';
import { defineRoute } from './route.js';

/**
 * `GET {base}/whoami`: the calling token's id and scopes, so a client (the console) can show what this
 * token may do. Any valid token may ask, whatever its scopes: a token without `read` must still learn
 * that it lacks it.
 */
export const whoamiRoute = defineRoute({
  method: 'GET',
  path: '/whoami',
  scope: {
    describe: 'any',
    // Every token has at least one scope; asking for one the caller holds lets any caller through.
    of: (req) => requestState(req.res!).caller?.scopes[0],
  },
  summary: "The calling token's id and scopes.",
  handle({ res, caller }) {
    res.json({ tokenId: caller.tokenId, scopes: caller.scopes });
  },
});
