/**
 * The static assets both halves serve at the same fixed paths: the stylesheet and the page
 * script. Files, not inline <style>/<script>, so the Content-Security-Policy
 * (src/http/security-headers.ts) can say style-src 'self' and script-src 'self' and refuse
 * anything injected into a page. Links carry ?v=<content hash>, so a browser never mixes an old
 * stylesheet with a new page.
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { PAGE_SCRIPT } from './page-script.ts';
import { STYLESHEET } from './stylesheet.ts';

export const STYLESHEET_PATH = '/assets/samlgate.css';
export const SCRIPT_PATH = '/assets/samlgate.js';

const version = (body: string) => createHash('sha256').update(body, 'utf8').digest('base64url').slice(0, 12);

const ASSETS = new Map<string, { type: string; body: Buffer }>([
  [STYLESHEET_PATH, { type: 'text/css; charset=utf-8', body: Buffer.from(STYLESHEET, 'utf8') }],
  [SCRIPT_PATH, { type: 'text/javascript; charset=utf-8', body: Buffer.from(PAGE_SCRIPT, 'utf8') }],
]);

/** The <head> lines every page of either half carries. */
export const ASSET_HEAD = `<link rel="stylesheet" href="${STYLESHEET_PATH}?v=${version(STYLESHEET)}"><script src="${SCRIPT_PATH}?v=${version(PAGE_SCRIPT)}" defer></script>`;

/** Middleware answering GET/HEAD for the asset paths; everything else passes through. */
export function assetRoutes() {
  return (req: Request, res: Response, next: NextFunction) => {
    const asset = req.method === 'GET' || req.method === 'HEAD' ? ASSETS.get(req.path) : undefined;
    if (!asset) return next();
    res.status(200);
    res.setHeader('Content-Type', asset.type);
    res.setHeader('Content-Length', String(asset.body.length));
    // Replaces the IdP's blanket no-store: the content is public and versioned by ?v=.
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };
}
