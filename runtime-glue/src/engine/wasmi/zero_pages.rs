//! Giving the all-zero pages of newly grown guest memory back to the kernel.
//!
//! wasmi backs a linear memory with a heap buffer and zero-fills it byte by byte when the
//! module is instantiated and on every `memory.grow` (`Vec::resize(n, 0)`). Writing those
//! zeros makes every page resident, including the pages a guest reserves and never
//! touches: an allocator that grows memory for an 8 KiB read buffer and writes 100 bytes
//! of it leaves the rest all-zero but resident. With 1,000 idle connections of the
//! tokio_wasi + hyper_wasi guest, 8 of its 18 MiB of resident linear memory were such
//! zero pages (measured by reading the mapping through `/proc/PID/mem`).
//!
//! Before each host call, [`ZeroPages::reclaim`] looks at the memory grown since the
//! previous call, and hands each page that is still all zero back with
//! `madvise(MADV_DONTNEED)`. The buffer is private anonymous memory (wasmi allocates it
//! from the global allocator), for which Linux then supplies zero-filled pages on the next
//! access: what the guest reads does not change, only what stays resident. Each byte is
//! looked at once, when its page first appears, so the cost is one `memcmp` per grown page.
//! On systems other than Linux this does nothing.
//!
//! This is the one module of the crate allowed `unsafe` (the crate denies it elsewhere):
//! `madvise` has no safe wrapper, since in general it can discard live data.

/// Scan state: how much of the guest's memory has been looked at.
#[derive(Debug, Default)]
pub struct ZeroPages {
    /// Memory length (bytes) at the previous scan; linear memories never shrink.
    scanned: usize,
}

impl ZeroPages {
    /// Releases the all-zero pages of `mem` beyond the previous scan's length. Runs before
    /// every host call, so it is inlined into the caller and costs one length compare
    /// unless the memory grew.
    #[inline]
    pub fn reclaim(&mut self, mem: &mut [u8]) {
        if mem.len() > self.scanned {
            self.reclaim_grown(mem);
        }
    }

    /// [`Self::reclaim`] after the memory grew (rare: the first host call after
    /// instantiation and after each `memory.grow`).
    #[cold]
    fn reclaim_grown(&mut self, mem: &mut [u8]) {
        let start = self.scanned;
        self.scanned = mem.len();
        if let Some(grown) = mem.get_mut(start..) {
            release_zero_pages(grown);
        }
    }
}

/// The unit compared at once; a page is released when all of its blocks are zero.
const BLOCK: usize = 4096;
static ZEROS: [u8; BLOCK] = [0; BLOCK];

/// Releases every whole page of `range` whose bytes are all zero, in runs.
#[cfg(target_os = "linux")]
fn release_zero_pages(range: &mut [u8]) {
    let page = rustix::param::page_size();
    let offset = range.as_ptr().align_offset(page);
    let Some(aligned) = range.get_mut(offset..) else {
        return;
    };
    let mut run: Option<(usize, usize)> = None; // (start offset, length) of zero pages
    for i in 0..aligned.len() / page {
        let zero = aligned
            .get(i * page..(i + 1) * page)
            .is_some_and(|p| p.chunks(BLOCK).all(|block| block == &ZEROS[..block.len()]));
        if zero {
            let (start, len) = run.get_or_insert((i * page, 0));
            debug_assert_eq!(*start + *len, i * page);
            *len += page;
        } else if let Some((start, len)) = run.take() {
            release(aligned, start, len);
        }
    }
    if let Some((start, len)) = run {
        release(aligned, start, len);
    }
}

/// `madvise(MADV_DONTNEED)` on `buf[start..start + len]`, which is page-aligned and zero.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn release(buf: &mut [u8], start: usize, len: usize) {
    let Some(pages) = buf.get_mut(start..start + len) else {
        return;
    };
    // SAFETY: `pages` is an exclusively borrowed, page-aligned, whole-page range of the
    // guest memory buffer, which is private anonymous memory from the global allocator,
    // and every byte of it is zero (checked by the caller). MADV_DONTNEED on such memory
    // replaces the pages with zero-fill-on-demand pages, so the contents stay all zero and
    // no other memory is affected; it neither unmaps nor moves the range.
    let result = unsafe {
        rustix::mm::madvise(
            pages.as_mut_ptr().cast(),
            pages.len(),
            rustix::mm::Advice::LinuxDontNeed,
        )
    };
    if let Err(err) = result {
        tracing::debug!(%err, "madvise(MADV_DONTNEED) on zero guest pages failed");
    }
}

#[cfg(not(target_os = "linux"))]
fn release_zero_pages(_range: &mut [u8]) {}

#[cfg(all(test, target_os = "linux"))]
#[allow(unsafe_code)]
mod tests {
    use super::*;

    /// Which pages of `buf` (page-aligned) are resident, by `mincore`.
    fn resident(buf: &[u8]) -> Vec<bool> {
        let page = rustix::param::page_size();
        let mut vec = vec![0u8; buf.len().div_ceil(page)];
        // SAFETY: `buf` is a live allocation; `vec` has one byte per page of it.
        let rc = unsafe { libc::mincore(buf.as_ptr() as *mut _, buf.len(), vec.as_mut_ptr()) };
        assert_eq!(rc, 0, "mincore: {}", std::io::Error::last_os_error());
        vec.iter().map(|v| v & 1 == 1).collect()
    }

    /// A page-aligned, fully resident buffer of `pages` pages inside a Vec.
    fn touched(pages: usize) -> (Vec<u8>, usize) {
        let page = rustix::param::page_size();
        let mut v = vec![0u8; (pages + 1) * page];
        // Writing makes every page resident, as wasmi's zero-fill does (black_box keeps the
        // compiler from dropping a zero store into memory it knows is zeroed).
        std::hint::black_box(&mut v).fill(0);
        let off = v.as_ptr().align_offset(page);
        (v, off)
    }

    #[test]
    fn zero_pages_leave_memory_and_data_pages_stay() {
        let page = rustix::param::page_size();
        let (mut v, off) = touched(64);
        let buf = &mut v[off..off + 64 * page];
        buf[3 * page + 17] = 0xAB;
        buf[40 * page] = 1;
        assert!(resident(buf).iter().all(|r| *r));
        let mut scan = ZeroPages::default();
        scan.reclaim(buf);
        let after = resident(buf);
        assert!(after[3] && after[40], "pages holding data stay resident");
        let released = after.iter().filter(|r| !**r).count();
        assert!(released >= 60, "only {released} of 62 zero pages released");
        // Contents are unchanged: data where it was, zeros everywhere else.
        assert_eq!(buf[3 * page + 17], 0xAB);
        assert_eq!(buf[40 * page], 1);
        assert_eq!(buf.iter().map(|b| u64::from(*b)).sum::<u64>(), 0xAB + 1);
        // Released pages are usable again.
        buf[10 * page] = 7;
        assert_eq!(buf[10 * page], 7);
    }

    #[test]
    fn only_the_grown_part_is_scanned() {
        let page = rustix::param::page_size();
        let (mut v, off) = touched(32);
        let buf = &mut v[off..off + 32 * page];
        let mut scan = ZeroPages::default();
        scan.reclaim(&mut buf[..16 * page]);
        buf[..16 * page].fill(0); // the guest writes (zeros) into its first 16 pages
        scan.reclaim(buf); // "grew" to 32 pages
        let after = resident(buf);
        assert!(
            after[..16].iter().all(|r| *r),
            "old pages are not scanned again"
        );
        assert!(after[16..].iter().filter(|r| !**r).count() >= 15);
    }
}
