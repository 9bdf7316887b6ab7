//! The crm shell's `configure` language: parse, apply to a CIB, render as
//! `configure show` prints it.
