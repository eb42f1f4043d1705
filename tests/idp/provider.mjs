// A real OpenID Connect provider (panva/oidc-provider, OpenID-certified) for corp-carbon's
// SSO tests. Started by tests/system/test_sso_login.py:  node provider.mjs <port>
//
// - issuer http://127.0.0.1:<port>; discovery, JWKS, authorization, token, userinfo and
//   end_session endpoints as in production providers
// - clients register themselves (dynamic client registration, POST /reg), so every test app
//   on its own free port gets a client whose redirect URI is exactly its callback
// - PKCE is required for every client (the provider's default requires it only for public
//   clients), so a sign-in without PKCE fails
// - the dev login form accepts any account name and password; consent is granted up front
// - the user directory is test data: PUT /__test/accounts/<id> with JSON
//     {"claims": {...}, "idTokenTtl": <seconds>, "tokenDelayMs": <ms>}
//   sets an account's claims; idTokenTtl/tokenDelayMs let a test receive a genuinely
//   expired ID token (short lifetime, token response held back past it)
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 9000);
const issuer = `http://127.0.0.1:${port}`;
const ACCOUNTS = new Map();
const SCOPES = 'openid email profile';

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

const provider = new Provider(issuer, {
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'employee_number', 'department',
      'cost_centre', 'office', 'groups', 'travel_grade'],
  },
  // default (true): the ID token of the code flow holds only sub & co; the other claims come
  // from the userinfo endpoint, as with Okta's org server or Entra without optional claims
  conformIdTokenClaims: true,
  pkce: { required: () => true },
  ttl: {
    IdToken: (ctx, token) => ACCOUNTS.get(token.available?.sub)?.idTokenTtl ?? 3600,
  },
  async findAccount(ctx, id) {
    const entry = ACCOUNTS.get(id);
    const claims = entry ? entry.claims : { email: `${id}@example.test`, name: id };
    return { accountId: id, async claims() { return { ...claims, sub: id }; } };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(SCOPES);
    await grant.save();
    return grant;
  },
  cookies: { keys: ['corp-carbon-test-idp-cookie-key'] },
});

provider.use(async (ctx, next) => {
  const match = /^\/__test\/accounts\/([^/]+)$/.exec(ctx.path);
  if (match && ctx.method === 'PUT') {
    const body = await readJson(ctx.req);
    ACCOUNTS.set(decodeURIComponent(match[1]), {
      claims: body.claims || {},
      idTokenTtl: body.idTokenTtl,
      tokenDelayMs: body.tokenDelayMs,
    });
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
    const delay = ACCOUNTS.get(jwtPayload(ctx.body.id_token).sub)?.tokenDelayMs;
    if (delay) await sleep(delay);
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
