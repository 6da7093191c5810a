"""Git for data: large files go through git-lfs into the project's own bucket.

``agent`` is the git-lfs standalone custom transfer agent (``octoup-lfs``); ``store`` says where
objects live in the bucket; ``setup`` writes the per-clone git config and hooks; ``locks`` keeps
lock objects beside the data; ``history`` reads pointers out of git; ``clone`` clones a repository
and copies the objects it references into a bucket of the user's choice.
"""
