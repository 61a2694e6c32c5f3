//! [`VacantFd`]: reserve an fd, then commit an entry to it.

use crate::{Fd, FdTable};

/// An fd chosen by the policy but not yet installed.
///
/// Lets a caller learn the fd before building the entry (e.g. to tell the
/// host which guest fd a socket will have), then [`insert`](Self::insert)
/// it. Dropping the handle installs nothing; the fd stays free. While the
/// handle lives it borrows the table, so nothing else can take the fd —
/// the kernel's "reserve, then install, release on failure".
///
/// ```
/// use fdtable::{FdPolicy, FdTable};
/// let mut table = FdTable::new(FdPolicy::lowest());
/// let vacant = table.vacant_fd()?;
/// let fd = vacant.fd();
/// assert_eq!(vacant.insert(format!("socket for fd {fd}")), fd);
/// assert_eq!(table.get(fd).map(String::as_str), Some("socket for fd 0"));
/// # Ok::<(), fdtable::FdError>(())
/// ```
#[derive(Debug)]
pub struct VacantFd<'a, T> {
    table: &'a mut FdTable<T>,
    fd: Fd,
}

impl<'a, T> VacantFd<'a, T> {
    pub(crate) fn new(table: &'a mut FdTable<T>, fd: Fd) -> Self {
        Self { table, fd }
    }

    /// The fd that [`insert`](Self::insert) will install.
    pub fn fd(&self) -> Fd {
        self.fd
    }

    /// Installs `value` at the reserved fd and returns the fd.
    pub fn insert(self, value: T) -> Fd {
        self.table.commit(self.fd, value);
        self.fd
    }
}
