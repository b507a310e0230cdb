//! Faults injected into the file layer, for tests: the append-only file's writes and syncs and
//! the RDB writer's fail on demand with a chosen errno (EIO by default), which no file system
//! the tests can mount will produce (a full tmpfs gives ENOSPC; EIO needs a failing device).
//!
//! The file layer asks [`hit`] (or [`check`]) at each [`Point`] before it does the operation
//! for real. Without the `enabled` feature both are constants, `None` and `Ok(())`, that the
//! compiler removes: a release build carries no registry and no way to arm one. With it, a
//! point is armed by `DEBUG FAULT` (see tessera-io) and stays armed until disarmed or for a
//! given number of operations. The registry is one process-wide table of atomics, since any
//! shard's thread may reach any point.

#![warn(missing_docs)]

/// An operation of the file layer that a fault can make fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// A shard's write of records to its append-only file.
    AofWrite,
    /// A sync (fdatasync) of a shard's append-only file.
    AofFsync,
    /// A write of an RDB file's bytes (a snapshot, or the base of an append-only rewrite).
    RdbWrite,
    /// The sync and close that complete an RDB file's temporary file.
    RdbFsync,
    /// The rename that puts a complete RDB file in place of the previous one.
    RdbRename,
}

impl Point {
    /// Every point, in the order of the registry.
    pub const ALL: [Point; 5] = [
        Point::AofWrite,
        Point::AofFsync,
        Point::RdbWrite,
        Point::RdbFsync,
        Point::RdbRename,
    ];

    /// The point's name in `DEBUG FAULT`.
    pub fn name(self) -> &'static str {
        match self {
            Point::AofWrite => "aof-write",
            Point::AofFsync => "aof-fsync",
            Point::RdbWrite => "rdb-write",
            Point::RdbFsync => "rdb-fsync",
            Point::RdbRename => "rdb-rename",
        }
    }

    /// The point called `name` (any case).
    pub fn named(name: &str) -> Option<Point> {
        Point::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

/// The errno the operation at `point` must fail with now, if a fault is armed there (an armed
/// count goes down by one).
#[cfg(not(feature = "enabled"))]
#[inline(always)]
pub fn hit(_point: Point) -> Option<i32> {
    None
}

/// The errno the operation at `point` must fail with now, if a fault is armed there (an armed
/// count goes down by one).
#[cfg(feature = "enabled")]
pub fn hit(point: Point) -> Option<i32> {
    registry::hit(point)
}

/// `Err` with the armed errno when the operation at `point` must fail now, as [`hit`].
#[inline(always)]
pub fn check(point: Point) -> std::io::Result<()> {
    match hit(point) {
        Some(errno) => Err(std::io::Error::from_raw_os_error(errno)),
        None => Ok(()),
    }
}

#[cfg(feature = "enabled")]
pub use registry::{arm, disarm, errno_named};

#[cfg(feature = "enabled")]
mod registry {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::Point;

    /// A count that never runs out: the point fails until disarmed.
    const FOREVER: u32 = u32::MAX;

    /// Per point: the errno in the high half, the failures left in the low half (0: disarmed).
    static ARMED: [AtomicU64; Point::ALL.len()] = [const { AtomicU64::new(0) }; Point::ALL.len()];

    /// Arms `point`: its operations fail with `errno`, the next `count` of them (`None`: until
    /// [`disarm`]).
    pub fn arm(point: Point, errno: i32, count: Option<u32>) {
        let left = count.map_or(FOREVER, |n| n.min(FOREVER - 1));
        ARMED[point as usize].store(
            (u64::from(errno as u32) << 32) | u64::from(left),
            Ordering::Release,
        );
    }

    /// Disarms `point`: its operations run for real again.
    pub fn disarm(point: Point) {
        ARMED[point as usize].store(0, Ordering::Release);
    }

    pub(super) fn hit(point: Point) -> Option<i32> {
        let slot = &ARMED[point as usize];
        let mut cur = slot.load(Ordering::Acquire);
        loop {
            let (errno, left) = ((cur >> 32) as u32 as i32, cur as u32);
            if left == 0 {
                return None;
            }
            if left == FOREVER {
                return Some(errno);
            }
            match slot.compare_exchange_weak(cur, cur - 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(errno),
                Err(now) => cur = now,
            }
        }
    }

    /// The errno called `name` (any case), among those a disk can give a write or a sync.
    /// EINTR and EAGAIN are left out: the file layer retries them, which would spin.
    pub fn errno_named(name: &str) -> Option<i32> {
        const NAMES: [(&str, i32); 7] = [
            ("EIO", libc::EIO),
            ("ENOSPC", libc::ENOSPC),
            ("EDQUOT", libc::EDQUOT),
            ("EROFS", libc::EROFS),
            ("EFBIG", libc::EFBIG),
            ("EACCES", libc::EACCES),
            ("EPERM", libc::EPERM),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, e)| e)
    }
}

#[cfg(all(test, feature = "enabled"))]
mod tests {
    use super::*;

    // One test, since the registry is shared by the whole process.
    #[test]
    fn armed_points_fail_as_told() {
        for p in Point::ALL {
            assert_eq!(Point::named(&p.name().to_uppercase()), Some(p));
            assert_eq!(hit(p), None);
        }
        assert_eq!(Point::named("aof"), None);
        arm(Point::AofWrite, libc::EIO, Some(2));
        assert_eq!(hit(Point::AofFsync), None);
        assert_eq!(hit(Point::AofWrite), Some(libc::EIO));
        assert_eq!(
            check(Point::AofWrite).map_err(|e| e.raw_os_error()),
            Err(Some(libc::EIO))
        );
        assert_eq!(hit(Point::AofWrite), None);
        arm(Point::RdbRename, libc::ENOSPC, None);
        for _ in 0..100 {
            assert_eq!(hit(Point::RdbRename), Some(libc::ENOSPC));
        }
        disarm(Point::RdbRename);
        assert!(check(Point::RdbRename).is_ok());
        assert_eq!(errno_named("eio"), Some(libc::EIO));
        assert_eq!(errno_named("EINTR"), None);
    }
}
