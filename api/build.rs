//! Embeds the web app's build (`api/assets/web`, made by `npm run build`
//! in `web/` and committed): a table of every file, each through
//! `include_bytes!`, so a changed file rebuilds the binary.

use std::{fs, io::Write, path::Path};

fn main() {
    // Read at run time, and named relative to the package in what this
    // writes: a target directory shared by two checkouts (a clone for CI
    // beside the working copy) must never embed the other one's files.
    let package = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let root = Path::new(&package).join("assets/web");
    println!("cargo:rerun-if-changed=assets/web");
    let mut files = Vec::new();
    if root.is_dir() {
        walk(&root, &root, &mut files);
    }
    files.sort();
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("web_assets.rs");
    let mut code = String::from("/// The web app's files: (path below the build's root, contents).\npub static FILES: &[(&str, &[u8])] = &[\n");
    for name in &files {
        let path = format!("/assets/web/{name}");
        code.push_str(&format!(
            "    ({name:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {path:?}))),\n"
        ));
    }
    code.push_str("];\n");
    fs::File::create(out)
        .and_then(|mut f| f.write_all(code.as_bytes()))
        .expect("write web_assets.rs");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, files);
        } else if path.file_name().is_some_and(|n| n != ".gitkeep") {
            let name = path
                .strip_prefix(root)
                .expect("below root")
                .to_string_lossy()
                .replace('\\', "/");
            files.push(name);
        }
    }
}
