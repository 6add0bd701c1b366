"""Storage: the connection layer, migrations, the repository and the edit API with history."""
