/**
 * Embed pages of the fake hosters, built FROM the documented encodings (shared/providers.md):
 * each encoder below is the inverse of the decoding the product implements, so the resolvers
 * are tested against what the real pages carry, not against their own output.
 */
import crypto from 'node:crypto';

const reverse = (s: string) => [...s].reverse().join('');
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const rot13 = (s: string) =>
  s.replace(/[a-zA-Z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - (c <= 'Z' ? 65 : 97) + 13) % 26) + (c <= 'Z' ? 65 : 97)));
const swapcase = (s: string) => s.replace(/[a-zA-Z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
const shift = (s: string, n: number) => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) + n)).join('');

/** VOE: JSON → base64 → reverse → char codes +3 → base64 → junk tokens sprinkled in → ROT13. */
export function encodeVoe(data: Record<string, string>): string {
  const inner = Buffer.from(JSON.stringify(data), 'utf8').toString('base64');
  const outer = b64(shift(reverse(inner), 3));
  const junk = ['@$', '^^', '~@', '%?', '*~', '!!', '#&'];
  let withJunk = '';
  for (let i = 0; i < outer.length; i++) {
    withJunk += outer[i];
    if (i % 7 === 3) withJunk += junk[i % junk.length];
  }
  return rot13(withJunk);
}

/** SpeedFiles: base64 → reverse → swapcase → chars +3 → hex → reverse → base64 → reverse → swapcase → base64. */
export function encodeSpeedFiles(url: string): string {
  let s = swapcase(reverse(Buffer.from(url, 'utf8').toString('base64')));
  s = [...shift(s, 3)].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  s = b64(reverse(s));
  return b64(swapcase(reverse(s)));
}

/** Filemoon API: AES-256-GCM with a key split in two base64url parts; payload = ciphertext + tag. */
export function encryptFilemoon(data: unknown) {
  const key = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const enc = Buffer.concat([cipher.update(JSON.stringify(data), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AES-256-GCM',
    key_parts: [key.subarray(0, 16).toString('base64url'), key.subarray(16).toString('base64url')],
    iv: iv.toString('base64url'),
    payload: enc.toString('base64url'),
  };
}

/** Dean Edwards' packer (base 36): every word replaced by its index in the word list. */
export function pack(source: string): string {
  const words: string[] = [];
  const index = new Map<string, number>();
  const payload = source.replace(/\b\w+\b/g, (w) => {
    if (!index.has(w)) {
      index.set(w, words.length);
      words.push(w);
    }
    return index.get(w)!.toString(36);
  });
  return (
    `eval(function(p,a,c,k,e,d){while(c--)if(k[c])p=p.replace(new RegExp('\\\\b'+c.toString(a)+'\\\\b','g'),k[c]);return ` +
    `p}('${payload.replace(/'/g, "\\'")}',36,${words.length},'${words.join('|')}'.split('|'),0,{}))`
  );
}

const page = (body: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Watch</title></head><body>${body}</body></html>`;

export const pages = {
  voeRedirect: (next: string) => page(`<script>window.location.href = '${next}';</script>`),
  voe: (data: Record<string, string>) =>
    page(`<div id="vp"></div><script type="application/json">["${encodeVoe(data)}"]</script><script src="/js/player.js"></script>`),
  voeLegacy: (url: string) => page(`<script>var a168c='${b64(reverse(url))}'; var sources = {'hls': '${b64(url)}'};</script>`),
  vidoza: (url: string) =>
    page(
      `<video id="player"></video><script>var pData = { sourcesCode: [{ src: "${url}", type: "video/mp4", label:"SD", res:"720"}], ` +
        `poster: "/p.jpg" };</script>`,
    ),
  dood: (passPath: string, token: string) =>
    page(
      `<script>$.get('${passPath}', function(data) { dsplayer.src({ src: data + makePlay(), type: 'video/mp4' }); });
function makePlay(){ for (var a="", t="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", n=t.length, o=0; 10>o; o++) a += ` +
        `t.charAt(Math.floor(Math.random()*n)); return a + "?token=${token}&expiry=" + Date.now(); }</script>`,
    ),
  vidmoly: (url: string) =>
    page(
      `<div id="vplayer"></div><script>jwplayer("vplayer").setup({ sources: [{file:"${url}"}], image: "/t.jpg", width: "100%" });</script>`,
    ),
  streamtape: (hostPath: string, query: string) =>
    page(`<div id="robotlink" style="display:none">/streamtape.com/get_video?id=x&expires=0</div>
<script>document.getElementById('robotlink').innerHTML = '//${hostPath}/get_'+ ('xcdvideo?${query}').substring(1).substring(2);</script>`),
  speedfiles: (url: string) => page(`<script>var _0x5opu234 = "${encodeSpeedFiles(url)}"; var player = new Player();</script>`),
  speedfilesDown: () => page(`<h1>Web server is down</h1><p>Error code 521</p>`),
  luluvdo: (url: string) => page(`<script>jwplayer("vplayer").setup({ sources: [{file:"${url}"}], controls: true });</script>`),
  filemoonPacked: (url: string) =>
    page(`<script>${pack(`var player=jwplayer("vplayer");player.setup({sources:[{file:"${url}"}],image:"thumb.jpg"});`)}</script>`),
  sibnet: (relative: string) =>
    page(
      `<video id="video"></video><script>var player = videojs('video'); player.src([{src: "${relative}", type: "video/mp4"}]);</script>`,
    ),
  sendvid: (url: string) => page(`<video id="video-js"></video><script>var video_source = "${url}"; var poster = "/p.jpg";</script>`),
  broken: () => page(`<p>This video is no longer available.</p>`),
};
