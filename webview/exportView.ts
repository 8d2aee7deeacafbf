/**
 * Export of the drawing as a standalone SVG (styles resolved from the theme and copied onto each
 * element through the CSSOM, so the file looks the same outside VS Code) or as a PNG drawn from
 * that SVG on a canvas. The whole drawing is exported in its current state (filter, collapse,
 * selection), framed to its bounds rather than to the window.
 */
const copiedProperties = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-family', 'font-size', 'font-weight', 'text-anchor', 'paint-order', 'display', 'visibility'];

export function exportSvgText(svg: SVGSVGElement, width: number, height: number): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const liveElements = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const cloneElements = [clone, ...Array.from(clone.querySelectorAll('*'))];
  liveElements.forEach((live, i) => {
    const target = cloneElements[i];
    if (!(target instanceof SVGElement)) return;
    const computed = getComputedStyle(live);
    for (const p of copiedProperties) target.style.setProperty(p, computed.getPropertyValue(p));
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(Math.ceil(width)));
  clone.setAttribute('height', String(Math.ceil(height)));
  clone.setAttribute('viewBox', `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`);
  clone.querySelector('g.viewport')?.removeAttribute('transform');
  clone.removeAttribute('tabindex');
  const background = getComputedStyle(document.body).backgroundColor;
  clone.style.setProperty('background-color', background);
  return new XMLSerializer().serializeToString(clone);
}

/** PNG as base64 (no `data:` prefix). The canvas is capped so huge drawings still export. */
export function exportPngBase64(svgText: string, width: number, height: number): Promise<string> {
  const maxSide = 8192;
  const scale = Math.min(2, maxSide / Math.max(width, height));
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(width * scale);
      canvas.height = Math.ceil(height * scale);
      const ctx = canvas.getContext('2d');
      if (!ctx) {
        reject(new Error('no 2D canvas'));
        return;
      }
      ctx.fillStyle = getComputedStyle(document.body).backgroundColor || '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.scale(scale, scale);
      ctx.drawImage(img, 0, 0, width, height);
      const url = canvas.toDataURL('image/png');
      resolve(url.slice(url.indexOf(',') + 1));
    };
    img.onerror = () => reject(new Error('the SVG could not be drawn as an image'));
    img.src = `data:image/svg+xml;base64,${utf8Base64(svgText)}`;
  });
}

function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
