// sqlx::migrate! embeds migrations/ at compile time; a new or changed
// migration must rebuild the store (sqlx's own advice for stable Rust).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
