//! Pacemaker's CIB XML: import and export of [`crate::cib::Cib`].
