"""WhiteNoise's storage for static files, usable before collectstatic has run.

collectstatic writes a manifest of the content-named copies; without one (in
the tests, or a checkout that never ran it) WhiteNoise's storage fails every
page that links a static file. This one links the plain name instead.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        if not self.hashed_files:  # no manifest: collectstatic has not run
            return name
        return super().stored_name(name)
