//! `ott guess`: what the filename guesser makes of names, as JSON lines.

use std::path::Path;

pub fn run(names: &[String]) -> anyhow::Result<()> {
    for name in names {
        let path = Path::new(name);
        let file = path
            .file_name()
            .map_or_else(|| name.clone(), |f| f.to_string_lossy().into_owned());
        let folder = path
            .parent()
            .and_then(Path::file_name)
            .map(|f| f.to_string_lossy().into_owned());
        let guess = domain::identify::guess::guess_with_folder(&file, folder.as_deref());
        println!("{}", serde_json::to_string(&guess)?);
    }
    Ok(())
}
