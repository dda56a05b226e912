//! Embeds the web app's build (`api/assets/web`, made by `npm run build`
//! in `web/` and committed): a table of every file, each through
//! `include_bytes!`, so a changed file rebuilds the binary.

use std::{fs, io::Write, path::Path};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/web");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    if root.is_dir() {
        walk(&root, &root, &mut files);
    }
    files.sort();
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("web_assets.rs");
    let mut code = String::from("/// The web app's files: (path below the build's root, contents).\npub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        code.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
    }
    code.push_str("];\n");
    fs::File::create(out)
        .and_then(|mut f| f.write_all(code.as_bytes()))
        .expect("write web_assets.rs");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
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
            files.push((name, path.to_string_lossy().into_owned()));
        }
    }
}
