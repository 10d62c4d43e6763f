// Re-run the build when a migration or template changes: both are embedded at compile time
// (diesel's `embed_migrations!` and askama), and cargo would otherwise miss a new file.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=static");
}
