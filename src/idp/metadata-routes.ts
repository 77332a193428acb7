/** GET /metadata: the IdP's SAML metadata (metadata.ts builds it once, at start), also its entity ID. */
import { Router } from 'express';

export function metadataRoutes(metadataXml: string): Router {
  const router = Router();
  router.get('/metadata', (_req, res) => {
    res.status(200).type('application/samlmetadata+xml').send(metadataXml);
  });
  return router;
}
