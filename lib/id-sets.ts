// Sets of ids (contact ids, BSP conversation ids) in the compact forms the results store keeps per
// org, day and distinct key, so that a range's distinct count is the size of a union of stored
// days (METRICS.md §6) long after Glific purged the messages. Integer ids are Roaring bitmaps
// (the portable format, readable by every Roaring implementation); text ids are kept as they are.
import { roaringLibraryInitialize, RoaringBitmap32 } from 'roaring-wasm';

let ready: Promise<void> | null = null;
const init = () => (ready ??= roaringLibraryInitialize());

/** The largest id a bitmap holds; a larger one makes the day's set not storable (not known). */
export const MAX_INT_ID = 0xffff_ffff;

/** Encode integer ids (any order, repeats allowed) as a portable Roaring bitmap. */
export async function encodeInts(ids: ArrayLike<number>): Promise<Uint8Array> {
  await init();
  const b = new RoaringBitmap32();
  try {
    b.addMany(Uint32Array.from(ids as ArrayLike<number>));
    return b.serialize('portable');
  } finally {
    b.dispose();
  }
}

/** The number of distinct ids in the union of bitmaps and of text sets. */
export async function unionSize(bitmaps: ArrayLike<Uint8Array>, texts: ArrayLike<readonly string[]> = []): Promise<number> {
  let n = 0;
  if (bitmaps.length) {
    await init();
    const u = new RoaringBitmap32();
    try {
      for (let i = 0; i < bitmaps.length; i++) {
        const b = RoaringBitmap32.deserialize(bitmaps[i], 'portable');
        u.orInPlace(b);
        b.dispose();
      }
      n += u.size;
    } finally {
      u.dispose();
    }
  }
  if (texts.length) {
    const all = new Set<string>();
    for (let i = 0; i < texts.length; i++) for (const t of texts[i]) all.add(t);
    n += all.size;
  }
  return n;
}
