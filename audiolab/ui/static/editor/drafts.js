// Text being typed is kept in the browser's storage until the server has it, so a closed tab, a
// crash or a lost connection does not lose it: editing that segment again restores it. Keys are
// per person and recording ("audiolab.unsaved.<user>.<recording>.<segment>"), so a shared
// browser keeps people apart. Storage that is full or switched off is ignored.

export const DRAFT_PREFIX = "audiolab.unsaved.";

// `storage` is a Web Storage (localStorage); `scope()` names the current user and recording id.
export function createDrafts(storage, scope) {
  const prefix = () => { const { user, recording } = scope(); return DRAFT_PREFIX + encodeURIComponent(user) + "." + recording + "."; };
  const key = (id) => prefix() + id;
  return {
    keep(id, text) { try { storage.setItem(key(id), JSON.stringify({ text, at: Date.now() })); } catch (e) { /* storage full or off */ } },
    drop(id) { try { storage.removeItem(key(id)); } catch (e) { /* storage off */ } },
    // The kept text of segment `id`, or null.
    get(id) { try { const v = storage.getItem(key(id)); return v ? String(JSON.parse(v).text) : null; } catch (e) { return null; } },
    // The segments of `byId` (id -> segment) that have kept text, in time order.
    unsaved(byId) {
      const out = [];
      try {
        const p = prefix();
        for (let i = 0; i < storage.length; i++) {
          const k = storage.key(i);
          if (k && k.startsWith(p) && byId.has(k.slice(p.length))) out.push(byId.get(k.slice(p.length)));
        }
      } catch (e) { /* storage off */ }
      return out.sort((a, b) => a.start - b.start);
    },
  };
}
